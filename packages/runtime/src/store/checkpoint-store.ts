import type { ErrorRecord } from '../core/errors.js';
import type { StepKind, StepStatus } from '../core/step-identity.js';
import type { AuditDraft } from './audit-store.js';
import type { NewEscalation } from './escalation-store.js';
import type { EventWait } from './event-store.js';
import type { NewOutboxMessage } from './outbox-store.js';
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
  /**
   * Policy state that must survive executions, as JSON text: the escalation a step waits on,
   * the attempt its current round of retries began at. Covered by the checksum when set.
   */
  detail?: string | null;
  /**
   * What the step was called with, as JSON text, already redacted: a tool call's arguments, an
   * LLM call's request summary. Written once, with the first "started" row; a write without it
   * keeps what the row holds. Not covered by the checksum: replay never reads it.
   */
  input?: string | null;
  /** A failed attempt to record in the same transaction (the row itself holds the latest). */
  failedAttempt?: AttemptRecord;
  /** An escalation to open in the same transaction. */
  escalation?: NewEscalation;
  /** A notification to deliver once this commits (written to the outbox in the same transaction). */
  notification?: NewOutboxMessage;
  /** `ctx.waitForEvent` registering its wait (with the suspension), so an arriving event can wake the run. */
  eventWait?: EventWait;
  /**
   * The event this step received: recorded as a delivery, and the step's wait removed, in the
   * same transaction. `eventId: null`: the wait timed out; only the wait is removed.
   */
  receivedEvent?: { eventId: string | null };
  /**
   * Audit entries to append in the same transaction, in order (the step's outcome, after the
   * run's entries recorded before it), by a store whose `audit.appendsWithSteps` is true; other
   * stores are never handed any (their entries are appended after the commit, like every event's).
   */
  audit?: ReadonlyArray<AuditDraft & { at: number }>;
}

/** How an attempt that did not succeed ended. */
export type AttemptOutcome = 'failed' | 'timed_out' | 'interrupted' | 'rejected';

/** One attempt of a step that did not succeed, for the run's timeline. */
export interface AttemptRecord {
  attempt: number;
  outcome: AttemptOutcome;
  error: ErrorRecord | null;
  startedAt: number;
  endedAt: number;
  /** The wait before the next attempt; null when there was none (exhausted, escalated). */
  delayMs: number | null;
}

export interface StepRecord extends Omit<
  StepWrite,
  'failedAttempt' | 'escalation' | 'notification' | 'eventWait' | 'receivedEvent' | 'input'
> {
  detail: string | null;
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
  /** The recorded attempts that did not succeed, by sequence number then attempt. */
  attempts(runId: string): Promise<Array<AttemptRecord & { seq: number }>>;
  /**
   * What step `seq` of the run was called with (JSON text), or null when it has none recorded
   * or no such step exists. Kept out of {@link list}: replay never needs it.
   */
  input(runId: string, seq: number): Promise<string | null>;
}
