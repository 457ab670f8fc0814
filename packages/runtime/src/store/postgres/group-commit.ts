import { LeaseLostError } from '../../core/errors.js';
import type { StepWrite } from '../checkpoint-store.js';
import type { Lease } from '../lease.js';
import type { FinishOutcome } from '../queue-store.js';
import { isTransient, type PgConnection } from './connection.js';
import { writeTogether, type GroupWrite } from './group-statement.js';
import { stagesAudit } from './step-arrays.js';

interface PendingWrite extends GroupWrite {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit on PostgreSQL, for step checkpoints (`checkpoints.commit`) and run ends
 * (`queue.finish`). A write issued while no batch is being written goes out at once, alone (no
 * timer: one run in flight waits no longer than before); writes issued while batches are being
 * written wait for a free slot and then go out together, one statement for all of them
 * (`writeTogether`).
 *
 * A batch takes at most one write per run, and none of a run that has one in flight: a run's
 * writes are applied in the order they were made. A run whose fence failed rejects alone with
 * `LeaseLostError`; nothing of it was written. If the statement fails (a constraint, a value the
 * database refuses), nothing of it was applied, and each of its writes is sent again alone, so
 * one run's bad write fails that run only; if the database stayed unreachable past the
 * connection's own retries, they all fail with that. Every promise resolves only once its
 * statement has committed.
 */
export class PgGroupCommit {
  private queue: PendingWrite[] = [];
  private readonly busy = new Set<string>();
  private inFlight = 0;
  /** Statements that committed, the writes in them, and writes sent again alone; for tests and benchmarks. */
  readonly stats = { statements: 0, writes: 0, retriedAlone: 0 };

  constructor(
    private readonly conn: PgConnection,
    /** The NOTIFY channel idle workers listen on, for limits a finish frees. */
    private readonly channel: string,
    /** Told when a statement that staged audit entries (`StepWrite.audit`) has committed. */
    private readonly onStaged: () => void,
    /** Batches written at once, each on a connection of its own. */
    private readonly slots = 2,
    /** Commits in one statement at most. */
    private readonly maxBatch = 64,
  ) {}

  /** `checkpoints.commit`: the run's rows, and its lease renewed to `renewUntil` if given. */
  commit(lease: Lease, steps: readonly StepWrite[], renewUntil?: number): Promise<void> {
    return this.write({ lease, steps, renewUntil });
  }

  /** `queue.finish`: the run's outcome with its last rows. */
  finish(lease: Lease, outcome: FinishOutcome, steps: readonly StepWrite[], now: number): Promise<void> {
    return this.write({ lease, steps, finish: { outcome, now } });
  }

  private write(write: GroupWrite): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // Written out whole: on Node 20 keys added after a spread cost microseconds, once per step here.
      const { lease, steps, renewUntil, finish } = write;
      this.queue.push({ lease, steps, renewUntil, finish, resolve, reject });
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

  /** The next batch: queued writes in order, one per run, skipping runs with a write in flight. */
  private take(): PendingWrite[] {
    const batch: PendingWrite[] = [];
    const rest: PendingWrite[] = [];
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
  private async send(batch: PendingWrite[]): Promise<void> {
    let fenced: Set<string>;
    try {
      fenced = await writeTogether(this.conn, this.channel, batch);
    } catch (error) {
      // Still unreachable after the connection's own retries: every write fails with that, at once.
      if (batch.length === 1 || isTransient(error)) {
        for (const write of batch) write.reject(error);
        return;
      }
      this.stats.retriedAlone += batch.length;
      await Promise.all(batch.map((commit) => this.send([commit])));
      return;
    }
    this.stats.statements++;
    this.stats.writes += batch.length;
    if (batch.some((write) => stagesAudit(write.steps))) this.onStaged();
    for (const commit of batch) {
      if (fenced.has(commit.lease.runId)) commit.resolve();
      else commit.reject(new LeaseLostError(commit.lease.runId));
    }
  }
}
