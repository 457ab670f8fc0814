// pg-boss 10 on the adapter's own PostgreSQL database, with its default pool (10 connections):
// a job chain where each step is a job whose handler does the step's work and enqueues the next
// step's job with the value. Workers poll at pg-boss's minimum interval (0.5 s) but never wait for
// it while a chain goes on: a handler that enqueued the next step wakes its own worker
// (`notifyWorker`), which fetches again as soon as the job is completed, and a new chain wakes the
// next worker in turn. `concurrency` workers take one job at a time each.
//
// A workflow counts as finished when the handler of its tenth job returns; pg-boss then marks that
// job completed in one more statement, which the clock does not wait for.
import PgBoss from 'pg-boss';

import type { AdapterPlace, PeerAdapter, RecordedWork } from './adapter.js';
import { countRows, serverDurability } from './pg-count.js';
import { STEPS, stepWork } from './work.js';

const QUEUE = 'peers-ten-steps';

interface StepJob {
  run: number;
  step: number;
  previous: string;
}

export async function openPgBoss(place: AdapterPlace): Promise<PeerAdapter> {
  const boss = new PgBoss({ connectionString: place.databaseUrl });
  const errors: Error[] = [];
  boss.on('error', (error) => errors.push(error));
  await boss.start();
  await boss.createQueue(QUEUE);
  const waiting = new Map<number, { resolve: (value: string) => void; reject: (error: Error) => void }>();
  const workers: string[] = [];
  for (let i = 0; i < place.concurrency; i++) {
    const index = i;
    workers.push(
      await boss.work<StepJob>(QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        for (const { data } of jobs) {
          const value = stepWork(data.run, data.step, data.previous);
          if (data.step < STEPS) {
            // A failed send ends the workflow's wait with the error (and pg-boss retries the job),
            // so a broken chain shows up as a failed benchmark, not as one that never finishes.
            await boss.send(QUEUE, { run: data.run, step: data.step + 1, previous: value }).catch((error: Error) => {
              waiting.get(data.run)?.reject(error);
              throw error;
            });
            boss.notifyWorker(workers[index]!);
          } else {
            waiting.get(data.run)?.resolve(value);
            waiting.delete(data.run);
          }
        }
      }),
    );
  }
  let next = 0;
  return {
    name: 'pg-boss',
    runWorkflow: async (run: number): Promise<string> => {
      const finished = new Promise<string>((resolve, reject) => waiting.set(run, { resolve, reject }));
      await boss.send(QUEUE, { run, step: 1, previous: '' });
      boss.notifyWorker(workers[next++ % workers.length]!);
      return await finished;
    },
    recorded: async (): Promise<RecordedWork> => {
      const completed = `SELECT count(*) FROM pgboss.job WHERE name = '${QUEUE}' AND state = 'completed'`;
      return {
        workflows: await countRows(place.databaseUrl, `${completed} AND (data->>'step')::int = ${STEPS}`),
        steps: await countRows(place.databaseUrl, completed),
      };
    },
    durability: () => serverDurability(place.databaseUrl),
    close: async () => {
      await boss.stop({ graceful: true, wait: true });
      if (errors.length > 0) throw new Error(`pg-boss reported errors: ${errors.map(String).join('; ')}`);
    },
  };
}
