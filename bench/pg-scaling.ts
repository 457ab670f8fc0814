// Benchmark 10: scaling with worker processes on one PostgreSQL database. The parent creates the
// runs up front (a client-only Vigil, no worker), then spawns N worker processes (pg-worker.ts)
// and measures from the spawn until the database shows every run completed, polled every
// `pollMs`. Nothing is subtracted: each child's start-up time is reported on its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

import { isMain, runAsScript } from './child-process.js';
import { epochMs } from './clock.js';
import { openPgVigil } from './pg-instance.js';
import { addCounts, statementsPerRun } from './pg-query-counter.js';
import type { PgWorkerMessage, PgWorkerOptions } from './pg-worker.js';
import { withFreshSchema, withPostgres, type PostgresServer, type Schema } from './postgres-server.js';
import { cpuWindow, type CpuFigures } from './process-cpu.js';
import { measureRawPgCommits } from './raw-postgres.js';
import { median, medianOfRounds } from './stats.js';
import { STEPS_PER_WORKFLOW, tenSteps } from './workflows.js';

export const DEFAULTS = {
  rounds: 3,
  workers: [1, 2, 4],
  concurrency: 16,
  runs: 2000,
  warmupRuns: 200,
  rawCommits: 1000,
  pollMs: 20,
};
export type PgScalingOptions = typeof DEFAULTS;

export type PgScalingRound = {
  workers: number;
  runs: number;
  /** Creating the runs up front, before the clock starts. */
  createMs: number;
  /** Spawn → every run completed. */
  wallMs: number;
  workflowsPerSec: number;
  /** workflows/s ÷ that of one worker process in the same round. */
  speedUp: number;
  /** Spawn → the child's Vigil is migrated and its worker started: median and slowest child. */
  readyMs: number;
  readyMaxMs: number;
  /** CPU time a child used to get ready (median). */
  readyCpuMs: number;
  /** Statements the worker processes sent (from spawn to stop), per step; the claim loop's per run. */
  roundTripsPerStep: number;
  pollsPerRun: number;
  /** Share of the runs completed by the busiest worker process (1 ÷ N when even). */
  busiestShare: number;
  /** Should be 0: `lease.lost` events in all worker processes. */
  leasesLost: number;
  rawWorkflowsPerSec: number;
  ratioToRawCeiling: number;
} & CpuFigures;

export interface PgScalingResult {
  options: PgScalingOptions;
  byWorkers: Array<{ workers: number; rounds: PgScalingRound[]; median: PgScalingRound }>;
}

const WORKER = fileURLToPath(new URL('./pg-worker.js', import.meta.url));

interface Child {
  process: ChildProcess;
  messages: PgWorkerMessage[];
}

function spawnWorker(options: PgWorkerOptions): Child {
  const child = spawn(process.execPath, [WORKER, '--options', JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const messages: PgWorkerMessage[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => messages.push(JSON.parse(line) as PgWorkerMessage));
  return { process: child, messages };
}

function message<E extends PgWorkerMessage['event']>(child: Child, event: E) {
  return child.messages.find((m): m is Extract<PgWorkerMessage, { event: E }> => m.event === event);
}

/** Polls until every child has sent `event`; rejects after `timeoutMs` or if a child exits first. */
async function waitForAll(children: Child[], event: PgWorkerMessage['event'], timeoutMs: number): Promise<void> {
  const deadline = epochMs() + timeoutMs;
  while (!children.every((c) => message(c, event))) {
    if (event !== 'stopped' && children.some((c) => c.process.exitCode !== null)) {
      throw new Error('a scaling worker exited early');
    }
    if (epochMs() > deadline) throw new Error(`scaling workers: no "${event}" from all within ${timeoutMs} ms`);
    await delay(5);
  }
}

/** Polls the runs table until `runs` have completed; returns the epoch ms it saw them. */
async function completedAt(schema: Schema, runs: number, pollMs: number, children: Child[]): Promise<number> {
  const client = new pg.Client({ connectionString: schema.serverUrl });
  await client.connect();
  try {
    const deadline = epochMs() + 300_000;
    for (;;) {
      const { rows } = await client.query<{ done: number; failed: number }>(
        `SELECT count(*) FILTER (WHERE status = 'completed')::int AS done,
           count(*) FILTER (WHERE status IN ('failed', 'dead_lettered'))::int AS failed FROM ${schema.name}.runs`,
      );
      const { done = 0, failed = 0 } = rows[0] ?? {};
      if (done >= runs) return epochMs();
      if (failed > 0) throw new Error(`${failed} run(s) failed`);
      if (children.some((c) => c.process.exitCode !== null)) throw new Error('a scaling worker exited early');
      if (epochMs() > deadline) throw new Error(`only ${done} of ${runs} runs completed within 300 s`);
      await delay(pollMs);
    }
  } finally {
    await client.end();
  }
}

async function createRuns(schema: Schema, runs: number): Promise<number> {
  const vigil = await openPgVigil(schema, [tenSteps], false);
  try {
    const start = epochMs();
    await Promise.all(Array.from({ length: runs }, (_, i) => vigil.start(tenSteps, { run: i })));
    return epochMs() - start;
  } finally {
    await vigil.close();
  }
}

async function measure(schema: Schema, workers: number, runs: number, options: PgScalingOptions) {
  const raw = await measureRawPgCommits(schema, { warmup: 200, commits: options.rawCommits });
  const createMs = await createRuns(schema, runs);
  const cpu = cpuWindow(schema.server.cpuMs);
  const spawnedAt = epochMs();
  const children = Array.from({ length: workers }, () =>
    spawnWorker({ database: schema.vigilUrl, concurrency: options.concurrency }),
  );
  try {
    const doneAt = await completedAt(schema, runs, options.pollMs, children);
    const wallMs = doneAt - spawnedAt;
    children.forEach((c) => c.process.kill('SIGTERM'));
    await waitForAll(children, 'stopped', 30_000);
    const ready = children.map((c) => message(c, 'ready')!.t - spawnedAt);
    const stopped = children.map((c) => message(c, 'stopped')!);
    const workflowsPerSec = (runs * 1000) / wallMs;
    const sent = statementsPerRun(addCounts([]), addCounts(stopped.map((s) => s.statements)), runs, STEPS_PER_WORKFLOW);
    return {
      workers,
      runs,
      createMs,
      wallMs,
      workflowsPerSec,
      speedUp: NaN,
      readyMs: median(ready),
      readyMaxMs: Math.max(...ready),
      readyCpuMs: median(children.map((c) => message(c, 'ready')!.cpuMs)),
      roundTripsPerStep: sent.roundTripsPerStep,
      pollsPerRun: sent.pollsPerRun,
      busiestShare: Math.max(...stopped.map((s) => s.completed)) / runs,
      leasesLost: stopped.reduce((sum, s) => sum + s.leasesLost, 0),
      rawWorkflowsPerSec: raw.workflowsPerSec,
      ratioToRawCeiling: workflowsPerSec / raw.workflowsPerSec,
      ...cpu(
        runs * STEPS_PER_WORKFLOW,
        wallMs,
        // Worker CPU after each child was ready; what getting ready cost is `readyCpuMs`.
        children.reduce((sum, c) => sum + message(c, 'stopped')!.cpuMs - message(c, 'ready')!.cpuMs, 0),
      ),
    };
  } finally {
    children.forEach((c) => c.process.exitCode === null && c.process.kill('SIGKILL'));
  }
}

/** One round: every worker count in turn, each on a fresh schema; speed-ups against N = 1 of this round. */
async function measureRound(server: PostgresServer, options: PgScalingOptions): Promise<PgScalingRound[]> {
  const round: PgScalingRound[] = [];
  for (const workers of options.workers) {
    round.push(await withFreshSchema(server, `scale${workers}`, (s) => measure(s, workers, options.runs, options)));
  }
  const single = round.find((r) => r.workers === 1)?.workflowsPerSec ?? NaN;
  return round.map((r) => ({ ...r, speedUp: r.workflowsPerSec / single }));
}

export async function run(options: PgScalingOptions): Promise<PgScalingResult> {
  return await withPostgres(async (server) => {
    // Unrecorded: warms the server (and the disk cache) the way the other benchmarks' warm-ups do.
    await withFreshSchema(server, 'warmup', (s) => measure(s, 1, options.warmupRuns, options));
    const rounds: PgScalingRound[][] = [];
    for (let i = 0; i < options.rounds; i++) rounds.push(await measureRound(server, options));
    const byWorkers = options.workers.map((workers) => {
      const mine = rounds.map((round) => round.find((r) => r.workers === workers)!);
      return { workers, rounds: mine, median: medianOfRounds(mine) };
    });
    return { options, byWorkers };
  });
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
