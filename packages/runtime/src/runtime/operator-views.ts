import type { ErrorRecord } from '../core/errors.js';
import type { BreakerRecord } from '../store/breaker-store.js';
import type { AttemptRecord } from '../store/checkpoint-store.js';
import type { DeadLetterRecord } from '../store/dead-letter-store.js';
import type { EscalationRecord } from '../store/escalation-store.js';
import type { ScheduleOrigin, ScheduleRecord } from '../store/schedule-store.js';

/** An escalation as the client API, HTTP API and CLI present it. Times are ISO 8601. */
export interface EscalationView {
  id: string;
  runId: string;
  workflow: string;
  seq: number;
  step: string;
  kind: EscalationRecord['kind'];
  reason: string;
  summary: string | null;
  assignee: string | null;
  blocking: boolean;
  status: EscalationRecord['status'];
  /** The run's context when it was raised: completed steps, the failing step, its attempts. */
  context: unknown;
  createdAt: string;
  timeoutAt: string | null;
  onTimeout: string | null;
  decision: EscalationRecord['decision'];
  value: unknown;
  resolvedBy: string | null;
  note: string | null;
  resolvedAt: string | null;
}

/** A dead letter as the APIs present it. */
export interface DeadLetterView {
  id: string;
  runId: string;
  workflow: string;
  version: number;
  reason: string;
  error: ErrorRecord;
  failedStep: { seq: number; name: string } | null;
  context: unknown;
  createdAt: string;
  replayedAt: string | null;
  replayRunId: string | null;
  replayedBy: string | null;
}

export interface BreakerView {
  key: string;
  tool: string;
  status: BreakerRecord['status'];
  consecutiveFailures: number;
  openedAt: string | null;
  /** While open: when the cooldown ends and one probe may go through. */
  openUntil: string | null;
  lastError: string | null;
  updatedAt: string;
}

/** A cron schedule as the APIs present it. */
export interface ScheduleView {
  id: string;
  workflow: string;
  cron: string;
  timezone: string;
  jitterMs: number;
  overlap: ScheduleRecord['spec']['overlap'];
  catchUp: ScheduleRecord['spec']['catchUp'];
  catchUpWindowMs: number;
  /** The input of the runs it starts. */
  input: unknown;
  paused: boolean;
  /** `workflow`: declared by the workflow's `schedule` option; `api`: added with `POST /v1/schedules`. */
  origin: ScheduleOrigin;
  /** The next slot, and when it fires (the slot plus its jitter); null while paused or if it never fires again. */
  nextSlotAt: string | null;
  nextFireAt: string | null;
  /** A slot held until the previous run finishes (`overlap: 'buffer-one'`). */
  bufferedSlotAt: string | null;
  /** The last slot that started a run, and that run. */
  lastSlotAt: string | null;
  lastRunId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An attempt of a step that did not succeed, in a run's timeline. */
export interface AttemptView {
  attempt: number;
  outcome: AttemptRecord['outcome'];
  error: ErrorRecord | null;
  startedAt: string;
  endedAt: string;
  /** The wait before the next attempt. */
  delayMs: number | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function toEscalationView(e: EscalationRecord): EscalationView {
  return {
    id: e.id,
    runId: e.runId,
    workflow: e.workflow,
    seq: e.seq,
    step: e.step,
    kind: e.kind,
    reason: e.reason,
    summary: e.summary,
    assignee: e.assignee,
    blocking: e.blocking,
    status: e.status,
    context: parseJson(e.context),
    createdAt: iso(e.createdAt),
    timeoutAt: isoOrNull(e.timeoutAt),
    onTimeout: e.onTimeout,
    decision: e.decision,
    value: parseJson(e.value),
    resolvedBy: e.resolvedBy,
    note: e.note,
    resolvedAt: isoOrNull(e.resolvedAt),
  };
}

export function toDeadLetterView(d: DeadLetterRecord): DeadLetterView {
  return {
    id: d.id,
    runId: d.runId,
    workflow: d.workflow,
    version: d.version,
    reason: d.reason,
    error: d.error,
    failedStep: d.failedSeq === null || d.failedStep === null ? null : { seq: d.failedSeq, name: d.failedStep },
    context: parseJson(d.context),
    createdAt: iso(d.createdAt),
    replayedAt: isoOrNull(d.replayedAt),
    replayRunId: d.replayRunId,
    replayedBy: d.replayedBy,
  };
}

export function toBreakerView(b: BreakerRecord): BreakerView {
  return {
    key: b.key,
    tool: b.tool,
    status: b.status,
    consecutiveFailures: b.consecutiveFailures,
    openedAt: isoOrNull(b.openedAt),
    openUntil: isoOrNull(b.openUntil),
    lastError: b.lastError,
    updatedAt: iso(b.updatedAt),
  };
}

export function toAttemptView(a: AttemptRecord): AttemptView {
  return {
    attempt: a.attempt,
    outcome: a.outcome,
    error: a.error,
    startedAt: iso(a.startedAt),
    endedAt: iso(a.endedAt),
    delayMs: a.delayMs,
  };
}

export function toScheduleView(s: ScheduleRecord): ScheduleView {
  return {
    id: s.id,
    workflow: s.workflow,
    cron: s.spec.cron,
    timezone: s.spec.timezone,
    jitterMs: s.spec.jitterMs,
    overlap: s.spec.overlap,
    catchUp: s.spec.catchUp,
    catchUpWindowMs: s.spec.catchUpWindowMs,
    input: parseJson(s.input),
    paused: s.paused,
    origin: s.origin,
    // A paused schedule's stored slot is not what it fires next: resuming starts over from then.
    nextSlotAt: s.paused ? null : isoOrNull(s.nextSlotAt),
    nextFireAt: s.paused ? null : isoOrNull(s.nextFireAt),
    bufferedSlotAt: isoOrNull(s.bufferedSlotAt),
    lastSlotAt: isoOrNull(s.lastSlotAt),
    lastRunId: s.lastRunId,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}
