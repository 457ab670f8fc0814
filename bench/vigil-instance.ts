// Opening Vigil on a fresh SQLite file, and waiting for many runs to complete (on either store).
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import { createVigil, SqliteStore, type AnyWorkflow, type Vigil, type WorkerOptions, type WorkflowInput } from 'vigil';

export const databasePath = (dir: string): string => join(dir, 'vigil.db');

/** A Vigil instance with an in-process worker on `<dir>/vigil.db`, migrated and ready. */
/** A Vigil on a fresh database in `dir`; `audit: false` runs it without the audit trail. */
export async function openVigil(
  dir: string,
  workflows: AnyWorkflow[],
  worker: WorkerOptions,
  options: { audit?: false } = {},
): Promise<Vigil> {
  const vigil = createVigil({ database: databasePath(dir), workflows, worker, ...options });
  await vigil.ready();
  return vigil;
}

/** The SQLite store's group-commit counters: committed transactions and the writes they carried. */
export function storeStats(vigil: Vigil): { transactions: number; writes: number } {
  if (!(vigil.store instanceof SqliteStore)) throw new Error('The benchmarks run on the SQLite store');
  return vigil.store.stats();
}

/** Anomalies seen while waiting: both should be 0. */
export interface CompletionAnomalies {
  /** `lease.lost` events: a worker found it no longer held a run it was executing. */
  leasesLost: number;
  /** Runs the store shows completed without a `run.completed` event. */
  missingCompletionEvents: number;
}

/** Counts the runs the store shows completed, from outside the Vigil instance. */
export type CompletedCounter = () => number | Promise<number>;

/** Counts completed runs in `<dir>/vigil.db` through a connection of its own. */
export function completedInSqlite(dir: string): CompletedCounter {
  return () => {
    const db = new BetterSqlite3(databasePath(dir), { readonly: true });
    try {
      return db.prepare(`SELECT count(*) FROM runs WHERE status = 'completed'`).pluck().get() as number;
    } finally {
      db.close();
    }
  };
}

/**
 * Resolves once `count` more runs than `before` have completed. It counts `run.completed` events
 * (one listener in all: `vigil.result()` per run would add three listeners per waiting run);
 * should the events stop for 200 ms before the count is reached, it asks the store instead, so a
 * run that completes without its event is noticed (and reported) rather than waited for forever.
 */
export function completions(
  vigil: Vigil,
  completedInStore: CompletedCounter,
  before: number,
  count: number,
  timeoutMs = 300_000,
): Promise<CompletionAnomalies> {
  const started = performance.now();
  let completed = 0;
  let leasesLost = 0;
  let lastEventAt = started;
  let asking = false;
  let settled = false;
  return new Promise<CompletionAnomalies>((resolve, reject) => {
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      offs.forEach((off) => off());
      settle();
    };
    const done = (): void =>
      finish(() => resolve({ leasesLost, missingCompletionEvents: Math.max(0, count - completed) }));
    const offs = [
      vigil.events.on('run.completed', () => {
        lastEventAt = performance.now();
        if (++completed === count) done();
      }),
      vigil.events.on('lease.lost', () => leasesLost++),
      vigil.events.on('run.failed', ({ runId, error }) =>
        finish(() => reject(new Error(`run ${runId} failed: ${error.message}`))),
      ),
    ];
    const ask = async (): Promise<void> => {
      if ((await completedInStore()) - before >= count) done();
    };
    const watchdog = setInterval(() => {
      const now = performance.now();
      if (now - lastEventAt >= 200 && !asking) {
        asking = true;
        void ask()
          .catch(() => undefined)
          .finally(() => (asking = false));
      }
      if (now - started > timeoutMs) {
        const seen = `${completed} of ${count} completion events, ${leasesLost} lost leases`;
        finish(() => reject(new Error(`runs did not complete within ${timeoutMs} ms (${seen})`)));
      }
    }, 50);
  });
}

/** Starts `count` runs of `workflow` at once and waits until all have completed. */
export async function startAndComplete<W extends AnyWorkflow>(
  vigil: Vigil,
  completedInStore: CompletedCounter,
  workflow: W,
  count: number,
  input: (i: number) => WorkflowInput<W>,
): Promise<CompletionAnomalies> {
  const finished = completions(vigil, completedInStore, await completedInStore(), count);
  await Promise.all(Array.from({ length: count }, (_, i) => vigil.start(workflow, input(i))));
  return await finished;
}
