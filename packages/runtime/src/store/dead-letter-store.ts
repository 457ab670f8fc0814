import type { ErrorRecord } from '../core/errors.js';

/** Written with the run's final status when it fails permanently (`FinishOutcome.deadLetter`). */
export interface NewDeadLetter {
  id: string;
  /** A one-line reason, e.g. `step "insurance" failed after 5 attempts`. */
  reason: string;
  /** The step that failed, when one did. */
  failedSeq: number | null;
  failedStep: string | null;
  /** JSON: the completed steps, the failing step and the errors of its attempts. */
  context: string;
}

export interface DeadLetterRecord extends NewDeadLetter {
  runId: string;
  workflow: string;
  version: number;
  error: ErrorRecord;
  createdAt: number;
  replayedAt: number | null;
  /** The run that replayed it: the same run, or a new one when replayed with edited input. */
  replayRunId: string | null;
  replayedBy: string | null;
}

export interface DeadLetterFilter {
  workflow?: string;
  /** Include dead letters already replayed. Default: only those waiting for an operator. */
  includeReplayed?: boolean;
  before?: string;
  limit: number;
}

/** The dead-letter aggregate: permanently failed runs, parked for an operator. */
export interface DeadLetterStore {
  get(id: string): Promise<DeadLetterRecord | null>;
  /** Newest first. */
  list(filter: DeadLetterFilter): Promise<DeadLetterRecord[]>;
  /**
   * Replays the run in place, in one transaction: deletes its step rows (and their attempts)
   * from `fromSeq` on, makes it `queued` and ready at `now` with its error cleared, and marks
   * the dead letter replayed. Steps before `fromSeq` keep their checkpoints and do not run again.
   *
   * @throws NotFoundError `dead_letter_not_found`
   * @throws ConflictError `dead_letter_replayed` when it was replayed already or the run is no longer dead-lettered
   */
  replay(id: string, request: { fromSeq: number; principal: string | null; now: number }): Promise<DeadLetterRecord>;
  /**
   * Marks the dead letter replayed by `runId`, a new run started with edited input.
   *
   * @throws NotFoundError `dead_letter_not_found`
   * @throws ConflictError `dead_letter_replayed`
   */
  markReplayed(
    id: string,
    request: { runId: string; principal: string | null; now: number },
  ): Promise<DeadLetterRecord>;
}
