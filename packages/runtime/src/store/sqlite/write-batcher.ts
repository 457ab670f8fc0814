import type { Database, Statement } from 'better-sqlite3';

import { isVigilError } from '../../core/errors.js';

interface PendingWrite {
  op: (db: Database) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A write threw something that may have left it half done: redo the batch with savepoints. */
class RedoWithSavepoints extends Error {}

/**
 * Work the writes of a transaction leave for its end (the audit entries of their steps, chained
 * and inserted together): what a write added is dropped if that write fails, and the rest runs
 * inside the transaction, just before `COMMIT`.
 */
export interface TransactionTail {
  /** A transaction begins: nothing is left from an earlier one. */
  begin(): void;
  /** Where the next write's additions start. */
  mark(): number;
  /** Drops what was added since `mark`: its write failed and was rolled back. */
  undo(mark: number): void;
  /** Runs what the transaction's writes left, inside it. */
  finish(): void;
}

/**
 * Group commit. Every write of this process goes through `run`; the writes issued in one turn
 * of the event loop share one transaction and so one fsync, which is what lets many runs
 * checkpoint concurrently without being capped at one durable commit per step.
 *
 * Contract for writes: a write may refuse by throwing a `VigilError` (a lost lease, a
 * conflict) only before it has changed anything; such a refusal rejects that write alone. Any
 * other error may have left the write half done, so the whole transaction is rolled back and
 * the batch is run again with each write in its own savepoint, where a failure rolls back
 * alone. No promise resolves before its transaction has committed.
 */
export class WriteBatcher {
  private pending: PendingWrite[] = [];
  private scheduled = false;
  /** Committed transactions and the writes in them, for tests and benchmarks. */
  readonly stats = { transactions: 0, writes: 0 };
  private readonly sql: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'undo', Statement>;

  constructor(
    private readonly db: Database,
    private readonly tail?: TransactionTail,
  ) {
    this.sql = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT write'),
      release: db.prepare('RELEASE write'),
      undo: db.prepare('ROLLBACK TO write'),
    };
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
    let outcomes: Outcome[];
    try {
      outcomes = this.transaction(batch, false);
    } catch (error) {
      if (!(error instanceof RedoWithSavepoints)) return this.rejectAll(batch, error);
      try {
        outcomes = this.transaction(batch, true);
      } catch (redoError) {
        return this.rejectAll(batch, redoError);
      }
    }
    this.stats.transactions++;
    this.stats.writes += batch.length;
    batch.forEach((write, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }

  private transaction(batch: PendingWrite[], savepoints: boolean): Outcome[] {
    const outcomes: Outcome[] = [];
    this.sql.begin.run();
    this.tail?.begin();
    try {
      for (const write of batch) outcomes.push(savepoints ? this.isolated(write) : this.direct(write));
      this.tail?.finish();
      this.sql.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.sql.rollback.run();
      throw error;
    }
    return outcomes;
  }

  private direct(write: PendingWrite): Outcome {
    const mark = this.tail?.mark() ?? 0;
    try {
      return { ok: true, value: write.op(this.db) };
    } catch (error) {
      if (isVigilError(error)) {
        this.tail?.undo(mark);
        return { ok: false, error };
      }
      throw new RedoWithSavepoints();
    }
  }

  private isolated(write: PendingWrite): Outcome {
    const mark = this.tail?.mark() ?? 0;
    this.sql.savepoint.run();
    try {
      const value = write.op(this.db);
      this.sql.release.run();
      return { ok: true, value };
    } catch (error) {
      this.sql.undo.run();
      this.sql.release.run();
      this.tail?.undo(mark);
      return { ok: false, error };
    }
  }

  private rejectAll(batch: PendingWrite[], error: unknown): void {
    for (const write of batch) write.reject(error);
  }
}
