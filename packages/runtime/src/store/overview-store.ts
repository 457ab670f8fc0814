import type { RunStatus } from '../core/run-status.js';
import type { EscalationStatus } from './escalation-store.js';

/** A window of time cut into equal buckets, all in epoch ms: `[from, to)`, bucket `i` starting at `from + i * bucketMs`. */
export interface RunWindowQuery {
  from: number;
  to: number;
  bucketMs: number;
  /** Leases that expire after this are live (workers). */
  now: number;
}

export interface RunBucketCounts {
  /** Index of the bucket from `from`. */
  index: number;
  /** Runs created in the bucket. */
  started: number;
  /** Runs that finished `completed` or `completed_partial` in the bucket. */
  completed: number;
  /** Runs that finished `failed` or `dead_lettered` in the bucket. */
  failed: number;
  /** Escalations opened in the bucket. */
  escalated: number;
}

/** The numbers of a deployment over a window, as the store counts them; the runtime turns them into rates. */
export interface RunWindowStats {
  /** Runs created in the window, by their status now. */
  byStatus: Partial<Record<RunStatus, number>>;
  /** Only buckets with something in them. */
  buckets: RunBucketCounts[];
  /** Runs that finished in the window, and those of them that succeeded (`completed`, `completed_partial`); cancelled runs are left out. */
  finished: number;
  succeeded: number;
  /** Runs created in the window, and those of them with at least one escalation. */
  started: number;
  escalatedRuns: number;
  /** Creation to finish of the runs that succeeded in the window, by nearest rank; null when none did. */
  durationMs: { p50: number | null; p95: number | null };
  /** Now, whatever the window. */
  openEscalations: number;
  deadLetters: number;
  /** Lease owners holding a live lease now, with how many runs and their latest lease expiry. */
  workers: Array<{ id: string; runs: number; leaseExpiresAt: number }>;
}

export interface RunChange {
  id: string;
  workflow: string;
  status: RunStatus;
  updatedAt: number;
}

export interface EscalationChange {
  id: string;
  runId: string;
  status: EscalationStatus;
  /** When it was opened, or resolved (or timed out, or cancelled) if it was. */
  changedAt: number;
}

/** Read-only queries across the deployment for the operator surface: the overview and the change feed. */
export interface OverviewStore {
  runWindow(query: RunWindowQuery): Promise<RunWindowStats>;
  /**
   * Runs updated, and escalations opened or resolved, at or after `since`, oldest first, at most
   * `limit` of each. A reader polling with the newest time it saw gets every change at least once.
   */
  changesSince(since: number, limit: number): Promise<{ runs: RunChange[]; escalations: EscalationChange[] }>;
}
