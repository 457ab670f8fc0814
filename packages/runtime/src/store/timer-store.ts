import type { RunStatus } from '../core/run-status.js';
import type { StepWrite } from './checkpoint-store.js';
import type { Lease, WorkflowKey } from './queue-store.js';

export interface Suspension {
  /** `sleeping` for a durable timer; `queued` when a stopping worker hands the run back. */
  status: Extract<RunStatus, 'sleeping' | 'queued' | 'waiting' | 'retrying'>;
  /**
   * When the run becomes claimable again. Null only for `waiting`: a blocking escalation with
   * no timeout, woken by its resolution.
   */
  wakeAt: number | null;
}

/** The timers aggregate: runs that gave up their lease until a point in time. */
export interface TimerStore {
  /**
   * Commits `steps`, sets the run's status and wake-up time and releases its lease, all in one
   * transaction fenced by `lease` (`LeaseLostError` and nothing written if it is not current).
   */
  suspend(lease: Lease, suspension: Suspension, steps: readonly StepWrite[], now: number): Promise<void>;
  /**
   * The earliest time a run of these workflows becomes claimable: a wake-up time or a lease
   * expiry. Null when there is none. Lets an idle worker sleep exactly as long as it may.
   */
  nextWakeAt(workflows: readonly WorkflowKey[]): Promise<number | null>;
}
