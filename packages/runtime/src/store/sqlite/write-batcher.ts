import type { Database } from 'better-sqlite3';

interface PendingWrite {
  op: (db: Database) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit. Every write of this process goes through `run`; the writes issued in one turn
 * of the event loop share one transaction and so one fsync, which is what lets many runs
 * checkpoint concurrently without being capped at one durable commit per step.
 *
 * Each write runs inside its own savepoint, so a write that throws (a lost lease, a conflict)
 * is rolled back alone and rejects alone; the others commit. No promise resolves before the
 * transaction has committed.
 */
export class WriteBatcher {
  private pending: PendingWrite[] = [];
  private scheduled = false;
  /** Committed transactions and the writes in them, for tests and benchmarks. */
  readonly stats = { transactions: 0, writes: 0 };
  private readonly begin;
  private readonly commit;
  private readonly rollback;
  private readonly savepoint;
  private readonly release;
  private readonly rollbackToSavepoint;

  constructor(
    private readonly db: Database,
    private readonly onCommitted: () => void = () => undefined,
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT write');
    this.release = db.prepare('RELEASE write');
    this.rollbackToSavepoint = db.prepare('ROLLBACK TO write');
  }

  /** Queues `op` for the next group commit; resolves with its value once durable. */
  run<T>(op: (db: Database) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ op, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now. Called by the timer, and by `close` before closing. */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.begin.run();
      for (const write of batch) {
        this.savepoint.run();
        try {
          outcomes.push({ ok: true, value: write.op(this.db) });
          this.release.run();
        } catch (error) {
          this.rollbackToSavepoint.run();
          this.release.run();
          outcomes.push({ ok: false, error });
        }
      }
      this.commit.run();
      this.stats.transactions++;
      this.stats.writes += batch.length;
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
    this.onCommitted();
  }
}
