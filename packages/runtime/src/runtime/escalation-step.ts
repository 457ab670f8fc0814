import type { EscalateOptions, EscalationOutcome } from '../core/context.js';
import { parseDuration } from '../core/duration.js';
import { EscalationAbortedError, toErrorRecord } from '../core/errors.js';
import type { StepRecord } from '../store/checkpoint-store.js';
import { announceEscalation, newEscalation, settledEscalation } from './escalation-flow.js';
import type { PolicyHost, PolicyResult } from './policy-host.js';
import { parseDetail, writeDetail } from './step-detail.js';
import { announceOutcome, STOPPED, stepRow } from './step-runner.js';

/**
 * `ctx.escalate(...)`: a step of kind `escalation`. A blocking one waits, as a row committed with
 * the run's suspension, until a human resolves it or it times out; a non-blocking one finishes
 * at once as `escalated` and leaves the escalation open.
 */
export async function runEscalationStep(
  host: PolicyHost,
  seq: number,
  name: string,
  options: EscalateOptions,
  recorded: StepRecord | undefined,
): Promise<PolicyResult> {
  const call = { seq, name, kind: 'escalation' as const };
  const now = host.deps.clock.now();
  try {
    if (!recorded) {
      const context = JSON.parse(await host.failureContext(seq, name, null)) as Record<string, unknown>;
      const blocking = options.blocking ?? true;
      const { escalation, notification } = newEscalation(host, {
        seq,
        step: name,
        kind: 'manual',
        reason: options.reason,
        summary: options.summary ?? null,
        assignee: options.assignee ?? null,
        blocking,
        context: JSON.stringify({ ...context, ...(options.context ? { workflowContext: options.context } : {}) }),
        timeoutMs: options.timeout === undefined ? undefined : parseDuration(options.timeout),
        onTimeout: options.onTimeout ?? 'abort',
      });
      const detail = writeDetail({ escalationId: escalation.id, assignee: escalation.assignee ?? undefined });
      const riding = { escalation, notification, detail, attempts: 1, startedAt: now };
      if (blocking) {
        const row = stepRow(call, 'waiting', { ...riding, wakeAt: escalation.timeoutAt });
        return host.wait(row, escalation.timeoutAt, 'waiting', () => announceEscalation(host, escalation));
      }
      const outcome: EscalationOutcome = { escalationId: escalation.id, decision: null, resolvedBy: null };
      const row = stepRow(call, 'escalated', { ...riding, output: JSON.stringify(outcome), endedAt: now });
      const announce = announceOutcome(host, row);
      host.commitLater(row, async () => {
        announceEscalation(host, escalation);
        await announce();
      });
      return { ok: true, value: outcome };
    }
    const id = parseDetail(recorded.detail).escalationId;
    if (!id) throw new Error(`Escalation step "${name}" of run ${host.runId} has no escalation id`);
    const settled = await settledEscalation(host, id);
    const base = { attempts: recorded.attempts, startedAt: recorded.startedAt, detail: recorded.detail };
    if ('waitUntil' in settled) {
      return host.wait(stepRow(call, 'waiting', { ...base, wakeAt: settled.waitUntil }), settled.waitUntil, 'waiting');
    }
    // Approve and reject fit approvals alone; the inbox refuses them for a manual escalation.
    if (
      settled.decision === 'abort' ||
      settled.decision === null ||
      settled.decision === 'approve' ||
      settled.decision === 'reject'
    ) {
      const error = new EscalationAbortedError(id, settled.resolvedBy, settled.note);
      const row = stepRow(call, 'failed', { ...base, error: toErrorRecord(error), endedAt: now });
      host.commitLater(row, announceOutcome(host, row));
      return { ok: false, error };
    }
    const outcome: EscalationOutcome = {
      escalationId: id,
      decision: settled.decision,
      ...(settled.value === null ? {} : { value: JSON.parse(settled.value) as unknown }),
      resolvedBy: settled.resolvedBy,
    };
    const row = stepRow(call, 'completed', { ...base, output: JSON.stringify(outcome), endedAt: now });
    host.commitLater(row, announceOutcome(host, row));
    return { ok: true, value: outcome };
  } catch (error) {
    host.storeFailed(error);
    return STOPPED;
  }
}
