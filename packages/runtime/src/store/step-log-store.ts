/** One line a run's code logged, as stored for the dashboard's step panel. */
export interface StepLogLine {
  runId: string;
  /** The step's sequence number; 0 for lines of the workflow code outside any step. */
  seq: number;
  /** The step's name; null for lines outside any step. */
  step: string | null;
  /** The attempt that logged it; null outside any step. */
  attempt: number | null;
  /** Epoch milliseconds. */
  at: number;
  level: StepLogLevel;
  msg: string;
  /** The line's fields as JSON text (redacted before it got here), `{}` when none. */
  fields: string;
}

export type StepLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What `list` filters on. */
export interface StepLogFilter {
  /** Only this step's lines (0: the workflow code's own). */
  seq?: number;
  /** Lines after this id (the `id` of the last line of the previous page). */
  after?: number;
  limit: number;
}

/** A stored line with its id, which orders lines and pages through them. */
export interface StoredStepLogLine extends StepLogLine {
  id: number;
}

/**
 * The lines each step of a run logged (`ctx.log`, `StepContext.log`, a tool's `log`). Not
 * fenced by the lease: lines are observability, written in batches beside the run's own
 * writes, and a line of an attempt that lost its lease is still something that happened.
 */
export interface StepLogStore {
  /** Appends `lines` in one transaction. */
  append(lines: readonly StepLogLine[]): Promise<void>;
  /** A run's lines (all, or one step's) in the order they were appended, `limit` at most. */
  list(runId: string, filter: StepLogFilter): Promise<StoredStepLogLine[]>;
  /**
   * Deletes at most `limit` of the oldest lines logged before `before` (epoch ms), oldest id
   * first; returns how many it deleted (fewer than `limit`: none older is left). Lines are
   * appended in time order, so the walk by id meets the old ones first.
   */
  prune(before: number, limit: number): Promise<number>;
}

export const STEP_LOG_COLUMNS = 'id, run_id, seq, step, attempt, at, level, msg, fields';

export interface StepLogRow {
  id: number | string;
  run_id: string;
  seq: number;
  step: string | null;
  attempt: number | null;
  at: number | string;
  level: string;
  msg: string;
  fields: string;
}

export function toStepLogLine(row: StepLogRow): StoredStepLogLine {
  return {
    id: Number(row.id),
    runId: row.run_id,
    seq: Number(row.seq),
    step: row.step,
    attempt: row.attempt === null ? null : Number(row.attempt),
    at: Number(row.at),
    level: row.level as StepLogLevel,
    msg: row.msg,
    fields: row.fields,
  };
}
