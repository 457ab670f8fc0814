import { ConflictError } from '../core/errors.js';
import { newRunId } from '../core/ids.js';
import type { EscalationRecord, NewEscalation, NewOutboxMessage } from '../store/escalation-store.js';
import type { StepPolicy } from '../core/step-policy.js';
import type { StepHost } from './step-runner.js';

/** What opening an escalation needs; the rest comes from the run. */
export interface EscalationSpec {
  seq: number;
  step: string;
  kind: NewEscalation['kind'];
  reason: string;
  summary: string | null;
  assignee: string | null;
  blocking: boolean;
  context: string;
  timeoutMs: number | undefined;
  onTimeout: NewEscalation['onTimeout'];
}

/**
 * The escalation row and the notification announcing it, both to be written in the same
 * transaction as the step row that raises them.
 */
export function newEscalation(
  host: StepHost,
  spec: EscalationSpec,
): { escalation: NewEscalation; notification: NewOutboxMessage } {
  const now = host.deps.clock.now();
  const escalation: NewEscalation = {
    id: newRunId(now),
    runId: host.runId,
    seq: spec.seq,
    step: spec.step,
    workflow: host.workflowName,
    kind: spec.kind,
    reason: spec.reason,
    summary: spec.summary,
    assignee: spec.assignee,
    blocking: spec.blocking,
    context: spec.context,
    timeoutAt: spec.blocking && spec.timeoutMs !== undefined ? now + spec.timeoutMs : null,
    onTimeout: spec.blocking && spec.timeoutMs !== undefined ? spec.onTimeout : null,
    createdAt: now,
  };
  const { context, ...announced } = escalation;
  const notification: NewOutboxMessage = {
    id: `${escalation.id}:opened`,
    topic: 'escalation.opened',
    payload: JSON.stringify({
      type: 'escalation.opened',
      escalation: { ...announced, context: JSON.parse(context) as unknown },
    }),
    createdAt: now,
  };
  return { escalation, notification };
}

/**
 * The escalation a failure policy opens on step `seq`, as {@link newEscalation} makes it: an
 * unknown outcome or a spent budget always blocks (nothing can go on without a decision), an
 * exhausted policy blocks if it says so; a budget is the operators' to raise, not the step's
 * assignee's.
 */
export function policyEscalation(
  host: StepHost,
  call: { seq: number; name: string; policy: StepPolicy },
  kind: 'exhausted' | 'outcome_unknown' | 'budget',
  reason: string,
  context: string,
): { escalation: NewEscalation; notification: NewOutboxMessage } {
  const { policy } = call;
  return newEscalation(host, {
    seq: call.seq,
    step: call.name,
    kind,
    reason,
    summary: null,
    assignee: kind === 'budget' ? null : policy.escalateTo,
    blocking: kind !== 'exhausted' || policy.blocking,
    context,
    timeoutMs: policy.escalationTimeoutMs,
    onTimeout: policy.onEscalationTimeout,
  });
}

/** Emits `escalation.opened` once the escalation is durable. */
export function announceEscalation(host: StepHost, escalation: NewEscalation): void {
  host.trace.escalationOpened(escalation);
  host.deps.events.emit('escalation.opened', {
    escalationId: escalation.id,
    runId: escalation.runId,
    seq: escalation.seq,
    step: escalation.step,
    kind: escalation.kind,
    assignee: escalation.assignee,
    blocking: escalation.blocking,
  });
}

/**
 * The escalation a step waits on, resolved if its timeout has passed (by whichever comes
 * first: this run or a human; a human who resolved it a moment earlier wins).
 *
 * @returns the record once resolved; `{ waitUntil }` while it is still open.
 */
export async function settledEscalation(
  host: StepHost,
  id: string,
): Promise<EscalationRecord | { waitUntil: number | null }> {
  const settled = await settle(host, id);
  // The run goes on from here: its trace says when and how the human (or the timeout) decided.
  if (!('waitUntil' in settled)) host.trace.escalationResolved(settled);
  return settled;
}

async function settle(host: StepHost, id: string): Promise<EscalationRecord | { waitUntil: number | null }> {
  const { store, clock, events } = host.deps;
  const record = await store.escalations.get(id);
  if (!record) throw new Error(`Escalation ${id} of run ${host.runId} is missing from the store`);
  if (record.status !== 'open') return record;
  const now = clock.now();
  if (record.timeoutAt === null || record.timeoutAt > now) return { waitUntil: record.timeoutAt };
  try {
    const resolved = await store.escalations.resolve(id, {
      decision: record.onTimeout ?? 'abort',
      value: null,
      resolvedBy: 'timeout',
      note: null,
      timedOut: true,
      now,
    });
    events.emit('escalation.resolved', {
      escalationId: id,
      runId: host.runId,
      decision: resolved.decision!,
      resolvedBy: 'timeout',
    });
    return resolved;
  } catch (error) {
    if (!ConflictError.is(error)) throw error;
    const again = await store.escalations.get(id);
    if (!again || again.status === 'open') throw error;
    return again;
  }
}
