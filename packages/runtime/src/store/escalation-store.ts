import type { NewOutboxMessage } from './outbox-store.js';

/**
 * Why an escalation was opened: by the workflow (`ctx.escalate`), because a step exhausted its
 * failure policy, because an at-most-once call's outcome is unknown after a crash, because a
 * checkpoint failed its checksum, because a budget's hard limit refused a call (`budget`), or
 * because the tool access policy wants a human to approve a tool call's exact arguments before
 * it runs (`approval`).
 */
export type EscalationKind =
  'manual' | 'exhausted' | 'outcome_unknown' | 'checkpoint_corrupted' | 'budget' | 'approval';

/**
 * What a human decided: run the step again, go on without it, stop the run, or supply its
 * result; for an `approval`, let the call run (`approve`) or deny it (`reject`), or stop the run.
 */
export type EscalationDecision = 'retry' | 'skip' | 'abort' | 'provide' | 'approve' | 'reject';
export const ESCALATION_DECISIONS: readonly EscalationDecision[] = [
  'retry',
  'skip',
  'abort',
  'provide',
  'approve',
  'reject',
];

/** The decisions that fit an escalation of `kind`. */
export function decisionsFor(kind: EscalationKind): readonly EscalationDecision[] {
  return kind === 'approval' ? ['approve', 'reject', 'abort'] : ['retry', 'skip', 'abort', 'provide'];
}

export type EscalationStatus = 'open' | 'resolved' | 'timed_out' | 'cancelled';

export interface NewEscalation {
  id: string;
  runId: string;
  /** The step that escalated. */
  seq: number;
  step: string;
  workflow: string;
  kind: EscalationKind;
  reason: string;
  summary: string | null;
  assignee: string | null;
  /** A blocking escalation holds its run in `waiting` until it is resolved or times out. */
  blocking: boolean;
  /** The run's context as JSON: completed steps, the failing step, every attempt's error. */
  context: string;
  timeoutAt: number | null;
  /** The decision taken when `timeoutAt` passes unresolved. */
  onTimeout: EscalationDecision | null;
  createdAt: number;
}

export interface EscalationRecord extends NewEscalation {
  status: EscalationStatus;
  decision: EscalationDecision | null;
  /** For `provide`: the value as JSON text. */
  value: string | null;
  /** Who resolved it (a principal), or `timeout`. */
  resolvedBy: string | null;
  note: string | null;
  resolvedAt: number | null;
}

export interface EscalationFilter {
  status?: EscalationStatus;
  runId?: string;
  assignee?: string;
  /** Only escalations whose id sorts before this one: the page cursor. */
  before?: string;
  limit: number;
}

export interface Resolution {
  decision: EscalationDecision;
  value: string | null;
  resolvedBy: string | null;
  note: string | null;
  /** Resolved by its timeout rather than by a human: the status becomes `timed_out`. */
  timedOut?: boolean;
  now: number;
}

/**
 * The escalations aggregate. Escalations are opened with the step write that raises them
 * (`StepWrite.escalation`), so a run never waits on an escalation that was not stored.
 */
export interface EscalationStore {
  get(id: string): Promise<EscalationRecord | null>;
  /** Newest first. */
  list(filter: EscalationFilter): Promise<EscalationRecord[]>;
  /**
   * Resolves an open escalation. If it is blocking and its run is `waiting` without a lease, the
   * run becomes claimable at once (`queued`, ready now) in the same transaction.
   *
   * @throws NotFoundError `escalation_not_found`
   * @throws ConflictError `escalation_not_open` when it was already resolved, timed out or cancelled
   */
  resolve(id: string, resolution: Resolution): Promise<EscalationRecord>;
}

export type { NewOutboxMessage };
