// A worker process for the scaling benchmark: opens Vigil on the given PostgreSQL database with
// a worker, says "ready" on stdout, executes whatever runs it claims, and on SIGTERM closes and
// reports how many runs it completed and leases it lost, the CPU time it had used and the statements it had sent
// when told to stop.
import { createVigil } from 'vigil';

import { optionsFromArgv } from './child-process.js';
import { epochMs } from './clock.js';
import { countPoolQueries, statementCounts, type StatementCounts } from './pg-query-counter.js';
import { ownCpuMs } from './process-cpu.js';
import { tenSteps } from './workflows.js';

export interface PgWorkerOptions {
  /** `postgres://…?schema=…` */
  database: string;
  concurrency: number;
}

/** One JSON line on stdout per message. */
export type PgWorkerMessage =
  | { event: 'ready'; t: number; cpuMs: number }
  | { event: 'stopped'; t: number; completed: number; leasesLost: number; cpuMs: number; statements: StatementCounts };

const send = (message: PgWorkerMessage): void => void process.stdout.write(`${JSON.stringify(message)}\n`);

countPoolQueries();
const options = optionsFromArgv<PgWorkerOptions>({ database: '', concurrency: 16 });
const vigil = createVigil({
  database: options.database,
  workflows: [tenSteps],
  worker: { concurrency: options.concurrency },
});
let completed = 0;
let leasesLost = 0;
vigil.events.on('run.completed', () => completed++);
vigil.events.on('lease.lost', () => leasesLost++);
// Lives until the parent says stop, whether or not the worker has timers pending.
const alive = setInterval(() => undefined, 60_000);
process.once('SIGTERM', () => {
  const cpuMs = ownCpuMs();
  const statements = statementCounts();
  void vigil.close().then(() => {
    clearInterval(alive);
    send({ event: 'stopped', t: epochMs(), completed, leasesLost, cpuMs, statements });
    process.exit(0);
  });
});
await vigil.ready();
send({ event: 'ready', t: epochMs(), cpuMs: ownCpuMs() });
