import type { ErrorRecord } from '../core/errors.js';
import type { StepRecord, StepWrite } from './checkpoint-store.js';
import type { NewDeadLetter } from './dead-letter-store.js';
import type { Lease } from './lease.js';
import type { RunRecord } from './run-store.js';

export type { Lease } from './lease.js';

export interface ClaimRequest {
  owner: string;
  now: number;
  leaseTtlMs: number;
  limit: number;
  /** Only runs of these workflow versions: a worker claims only what it can execute. */
  workflows: readonly WorkflowKey[];
}

export interface WorkflowKey {
  name: string;
  version: number;
}

export interface ClaimedRun {
  run: RunRecord;
  lease: Lease;
  /** The run's recorded steps, verified, in sequence order. */
  steps: StepRecord[];
}

/**
 * How a run ends. `completed_partial` finished with degraded or escalated steps and says what
 * is missing; `dead_lettered` failed permanently and is parked, with a dead letter, for an
 * operator to replay; `failed` ended for good (an operator aborted it, its input is unusable).
 */
export type FinishOutcome =
  | { status: 'completed'; output: string }
  | { status: 'completed_partial'; output: string; summary: string }
  | { status: 'failed'; error: ErrorRecord }
  | { status: 'dead_lettered'; error: ErrorRecord; deadLetter: NewDeadLetter };

/** The queue aggregate: claiming runs under a lease, keeping the lease, finishing. */
export interface QueueStore {
  /**
   * Atomically leases up to `limit` runs: first those whose lease expired (their worker died),
   * then those ready by `now`, oldest first. Each claim bumps the epoch and the attempt.
   */
  claim(request: ClaimRequest): Promise<ClaimedRun[]>;
  /** Extends the given leases to `now + leaseTtlMs`. Returns those no longer held. */
  renew(leases: readonly Lease[], now: number, leaseTtlMs: number): Promise<Lease[]>;
  /**
   * Commits the run's final status with any last steps, fenced by the lease, and releases it.
   * A dead-lettered run gets its dead letter in the same transaction.
   */
  finish(lease: Lease, outcome: FinishOutcome, steps: readonly StepWrite[], now: number): Promise<void>;
}
