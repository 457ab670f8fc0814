import { LeaseLostError } from '../../core/errors.js';
import type { StepWrite } from '../checkpoint-store.js';
import type { Lease } from '../lease.js';
import type { PgConnection } from './connection.js';
import { stepWritesSql } from './step-arrays.js';

/** One `checkpoints.commit` call: the rows of one run under its lease, and the renewal it asks for. */
export interface CheckpointCommit {
  lease: Lease;
  steps: readonly StepWrite[];
  renewUntil?: number | undefined;
}

interface PendingCommit extends CheckpointCommit {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Writes the commits of several runs in one statement, so one transaction and one WAL flush:
 * the fence locks each run's row (in id order, so two batches never wait on each other in a
 * cycle) if its lease is still current, renews the leases that ask for it, and writes each run's
 * rows only if its own fence held. Resolves with the ids of the runs whose fence held.
 */
export async function commitTogether(conn: PgConnection, commits: readonly CheckpointCommit[]): Promise<Set<string>> {
  const renewing = commits.some((c) => c.renewUntil !== undefined);
  const writes = stepWritesSql(
    commits.map((c) => ({ runId: c.lease.runId, steps: c.steps })),
    5,
    'fence',
  );
  const renewed = renewing
    ? `, renewed AS (UPDATE runs r SET lease_expires_at = GREATEST(r.lease_expires_at, f.renew_until)
       FROM fence f WHERE r.id = f.id AND f.renew_until IS NOT NULL)`
    : '';
  const rows = await conn.query<{ id: string }>(
    `WITH fence AS MATERIALIZED (
       SELECT r.id, l.renew_until FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS l(id, owner, epoch, renew_until)
       JOIN runs r ON r.id = l.id AND r.lease_owner = l.owner AND r.lease_epoch = l.epoch
       WHERE r.id = ANY($1::text[])
       ORDER BY r.id FOR NO KEY UPDATE OF r
     )${renewed}, ${writes.ctes}
     SELECT id FROM fence`,
    [
      commits.map((c) => c.lease.runId),
      commits.map((c) => c.lease.owner),
      commits.map((c) => c.lease.epoch),
      commits.map((c) => c.renewUntil ?? null),
      ...writes.params,
    ],
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * Group commit for checkpoints on PostgreSQL. A commit issued while no batch is being written
 * goes out at once, alone (no timer: one run in flight waits no longer than before); commits
 * issued while batches are being written wait for a free slot and then go out together, one
 * statement for all of them (`commitTogether`).
 *
 * A batch takes at most one commit per run, and none of a run that has one in flight: a run's
 * commits are applied in the order they were made. A run whose fence failed rejects alone with
 * `LeaseLostError`; its rows were not written. If the statement fails (a constraint, a value the
 * database refuses), nothing of it was applied, and each of its commits is sent again alone, so
 * one run's bad write fails that run only. Every promise resolves only once its statement has
 * committed.
 */
export class PgGroupCommit {
  private queue: PendingCommit[] = [];
  private readonly busy = new Set<string>();
  private inFlight = 0;
  /** Statements that committed, the commits in them, and commits sent again alone; for tests and benchmarks. */
  readonly stats = { statements: 0, commits: 0, retriedAlone: 0 };

  constructor(
    private readonly conn: PgConnection,
    /** Batches written at once, each on a connection of its own. */
    private readonly slots = 2,
    /** Commits in one statement at most. */
    private readonly maxBatch = 64,
  ) {}

  commit(lease: Lease, steps: readonly StepWrite[], renewUntil?: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ lease, steps, renewUntil, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.slots && this.queue.length > 0) {
      const batch = this.take();
      if (batch.length === 0) return;
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        for (const commit of batch) this.busy.delete(commit.lease.runId);
        this.pump();
      });
    }
  }

  /** The next batch: queued commits in order, one per run, skipping runs with a commit in flight. */
  private take(): PendingCommit[] {
    const batch: PendingCommit[] = [];
    const rest: PendingCommit[] = [];
    const runs = new Set<string>();
    for (const commit of this.queue) {
      const run = commit.lease.runId;
      if (batch.length < this.maxBatch && !this.busy.has(run) && !runs.has(run)) {
        batch.push(commit);
        runs.add(run);
        this.busy.add(run);
      } else {
        rest.push(commit);
      }
    }
    this.queue = rest;
    return batch;
  }

  /** Writes `batch`; settles every promise in it, never rejects itself. */
  private async send(batch: PendingCommit[]): Promise<void> {
    let fenced: Set<string>;
    try {
      fenced = await commitTogether(this.conn, batch);
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      this.stats.retriedAlone += batch.length;
      await Promise.all(batch.map((commit) => this.send([commit])));
      return;
    }
    this.stats.statements++;
    this.stats.commits += batch.length;
    for (const commit of batch) {
      if (fenced.has(commit.lease.runId)) commit.resolve();
      else commit.reject(new LeaseLostError(commit.lease.runId));
    }
  }
}
