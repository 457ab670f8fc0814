import type { ErrorRecord } from '../core/errors.js';
import type { StepKind, StepStatus } from '../core/step-identity.js';
import type { Lease } from './queue-store.js';

/** One row per step: written when the step starts and again with its outcome. */
export interface StepWrite {
  seq: number;
  name: string;
  kind: StepKind;
  status: StepStatus;
  attempts: number;
  /** The result as JSON text. */
  output: string | null;
  error: ErrorRecord | null;
  /** For sleeps: when the timer fires. */
  wakeAt: number | null;
  startedAt: number;
  endedAt: number | null;
}

export interface StepRecord extends StepWrite {
  /**
   * False when the stored row no longer matches the checksum written with it. A corrupted
   * checkpoint is never used; `output` and `error` of such a record must be ignored.
   */
  intact: boolean;
}

/** The checkpoints aggregate: the recorded steps of each run. */
export interface CheckpointStore {
  /** The run's steps in sequence order, each verified against its checksum. */
  list(runId: string): Promise<StepRecord[]>;
  /**
   * Inserts or replaces step rows in one transaction, only if `lease` is still current (same
   * owner and epoch); otherwise throws `LeaseLostError` and writes nothing. With `renewUntil`,
   * the lease is extended to at least that time in the same transaction.
   */
  commit(lease: Lease, steps: readonly StepWrite[], renewUntil?: number): Promise<void>;
}
