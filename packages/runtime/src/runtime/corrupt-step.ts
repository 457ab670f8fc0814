import { CheckpointCorruptedError, toErrorRecord } from '../core/errors.js';
import type { Effects } from '../core/step-policy.js';
import type { StepKind } from '../core/step-identity.js';
import type { StepRecord, StepWrite } from '../store/checkpoint-store.js';
import type { FinishOutcome } from '../store/queue-store.js';
import { announceEscalation, newEscalation, settledEscalation } from './escalation-flow.js';
import type { RuntimeEventMap } from './events.js';
import type { PolicyCall, PolicyHost, PolicyResult } from './policy-host.js';
import { stripIntact } from './recorded-steps.js';
import { failureOutcome } from './run-ending.js';
import { parseDetail, writeDetail } from './step-detail.js';
import { announceOutcome, STOPPED, stepRow } from './step-runner.js';

/**
 * What a ctx call declares about itself, which decides what happens when its checkpoint fails
 * its checksum (G6): a step that may run again is re-run, any other is escalated.
 */
export interface CorruptionPlan {
  /** The step may safely run again: its call declares no at-most-once effect. */
  rerun: boolean;
  /** Who a `checkpoint_corrupted` escalation goes to (the call's `escalateTo`), if anyone. */
  assignee: string | null;
  /** Checks a value an operator provides, as the step's own result would be (a tool's output schema). */
  checkValue: (value: unknown) => unknown;
}

/**
 * The rule (docs/decisions/0010-corrupt-checkpoints.md): a step re-runs unless it declares
 * `effects: 'at-most-once'`. `none` has no effect to repeat; `idempotent` (the default) hands the
 * same idempotency key, `<runId>:<seq>`, to its provider, which the provider dedupes on.
 */
export function mayRerun(effects: Effects): boolean {
  return effects !== 'at-most-once';
}

/** The plan of a step, tool or LLM call, from its failure policy. */
export function planOf(call: PolicyCall): CorruptionPlan {
  return { rerun: mayRerun(call.policy.effects), assignee: call.policy.escalateTo, checkValue: call.checkValue };
}

/**
 * The plan of a call with no failure policy, by its kind: a memory read or write is effect-free
 * or deduplicated by its writer; an escalation's or an event wait's result came from outside the
 * run (a human's decision, an event), so running it again could give another answer: ask.
 */
export function planForKind(kind: StepKind): CorruptionPlan {
  return { rerun: kind === 'memory', assignee: null, checkValue: (value) => value };
}

/** What a corruption needs beyond a policy host: ending the run for good, whatever the workflow catches. */
export interface CorruptionHost extends PolicyHost {
  /** Ends the run with `error` (dead-lettered), committing `row` with it. */
  endRun(error: unknown, row: StepWrite): void;
}

type Call = { seq: number; name: string; kind: StepKind };

/** Whether a recorded row is the wait this module writes for a corrupted checkpoint. */
export function isCorruptionWait(recorded: StepRecord): boolean {
  return recorded.status === 'waiting' && parseDetail(recorded.detail).corruptCheckpoint === true;
}

/**
 * A corrupted row at the call's sequence number: report it, then re-run the step (its new rows
 * overwrite the bad one, fenced by the lease like any write) or hold the run on a blocking
 * escalation whose row replaces the bad one. Nothing of the bad row is used.
 */
export async function recoverCorruptStep(
  host: CorruptionHost,
  call: Call,
  plan: CorruptionPlan,
  rerun: () => Promise<PolicyResult>,
): Promise<PolicyResult> {
  const found = corruptRowFound(call.seq, call.name);
  if (plan.rerun) {
    reportCorruption(host, call, 'rerun', null, found);
    return rerun();
  }
  const error = new CheckpointCorruptedError(host.runId, call.seq, call.name);
  try {
    const now = host.deps.clock.now();
    const context = await host.failureContext(call.seq, call.name, toErrorRecord(error));
    const { escalation, notification } = newEscalation(host, {
      seq: call.seq,
      step: call.name,
      kind: 'checkpoint_corrupted',
      reason:
        `${found}, and the step may have effects that must not happen twice. ` +
        'Resolve with retry to run it again anyway, provide to supply its result, or skip/abort to dead-letter the run.',
      summary: null,
      assignee: plan.assignee,
      blocking: true,
      context,
      timeoutMs: undefined,
      onTimeout: 'abort',
    });
    const detail = writeDetail({
      escalationId: escalation.id,
      assignee: escalation.assignee ?? undefined,
      corruptCheckpoint: true,
    });
    const row = stepRow(call, 'waiting', {
      attempts: 0,
      startedAt: now,
      error: toErrorRecord(error),
      detail,
      escalation,
      notification,
    });
    return host.wait(row, null, 'waiting', () => {
      announceEscalation(host, escalation);
      reportCorruption(host, call, 'escalated', escalation.id, found);
    });
  } catch (storeError) {
    host.storeFailed(storeError);
    return STOPPED;
  }
}

/**
 * The step waits on its `checkpoint_corrupted` escalation: `retry` re-runs it, `provide` makes
 * the checked value its result, anything else (skip, abort, a timeout) dead-letters the run
 * with `checkpoint_corrupted`, so no later step runs without the value.
 */
export async function resumeCorruptionWait(
  host: CorruptionHost,
  call: Call,
  recorded: StepRecord,
  plan: CorruptionPlan,
  rerun: () => Promise<PolicyResult>,
): Promise<PolicyResult> {
  const id = parseDetail(recorded.detail).escalationId;
  let settled: Awaited<ReturnType<typeof settledEscalation>>;
  try {
    if (!id) throw new Error(`Step "${call.name}" of run ${host.runId} waits without an escalation`);
    settled = await settledEscalation(host, id);
  } catch (error) {
    host.storeFailed(error);
    return STOPPED;
  }
  if ('waitUntil' in settled) return host.wait(stripIntact(recorded), settled.waitUntil, 'waiting');
  const base = { attempts: 0, startedAt: recorded.startedAt, detail: recorded.detail };
  const now = host.deps.clock.now();
  if (settled.decision === 'retry') return rerun();
  if (settled.decision === 'provide') {
    let output: string;
    try {
      const value = plan.checkValue(settled.value === null ? null : JSON.parse(settled.value));
      output = JSON.stringify(value ?? null);
    } catch (error) {
      return endWith(host, call, base, now, error);
    }
    const row = stepRow(call, 'completed', { ...base, output, endedAt: now });
    host.commitLater(row, announceOutcome(host, row));
    return { ok: true, value: JSON.parse(output) as unknown };
  }
  reportCorruption(host, call, 'dead_lettered', id, `Escalation ${id} was resolved with ${settled.decision}`);
  return endWith(host, call, base, now, new CheckpointCorruptedError(host.runId, call.seq, call.name));
}

function endWith(
  host: CorruptionHost,
  call: Call,
  base: { attempts: number; startedAt: number; detail: string | null },
  now: number,
  error: unknown,
): typeof STOPPED {
  host.endRun(error, stepRow(call, 'failed', { ...base, error: toErrorRecord(error), endedAt: now }));
  return STOPPED;
}

/** Emits `checkpoint.corrupted` (an audit entry too). */
export function reportCorruption(
  host: Pick<PolicyHost, 'runId' | 'workflowName' | 'deps' | 'log'>,
  call: Call | null,
  action: RuntimeEventMap['checkpoint.corrupted']['action'],
  escalationId: string | null,
  found: string,
): void {
  host.deps.events.emit('checkpoint.corrupted', {
    runId: host.runId,
    workflow: host.workflowName,
    seq: call?.seq ?? 0,
    step: call?.name ?? null,
    kind: call?.kind ?? null,
    action,
    escalationId,
    found,
  });
  host.log.warn(`checkpoint corrupted: ${found}; ${action}`, { seq: call?.seq ?? 0, escalationId });
}

/** What `checkpoint.corrupted` says was found for a step row. */
export function corruptRowFound(seq: number, name: string): string {
  return `The stored row of step #${seq} "${name}" does not match its checksum`;
}

/**
 * How a run whose stored input cannot be used ends. A corrupted input cannot be re-run (every
 * step depends on it) and an operator's replacement could not be checked against anything, so
 * the run is dead-lettered with `checkpoint_corrupted` and reported; replaying it is refused.
 * An input the workflow's schema refuses fails the run, as before.
 */
export function inputFailure(
  host: Pick<PolicyHost, 'runId' | 'workflowName' | 'deps' | 'log'>,
  error: unknown,
  context: Parameters<typeof failureOutcome>[2],
): FinishOutcome {
  if (!CheckpointCorruptedError.is(error)) return { status: 'failed', error: toErrorRecord(error) };
  reportCorruption(
    host,
    null,
    'dead_lettered',
    null,
    `The stored input of run ${host.runId} does not match its checksum`,
  );
  return failureOutcome(error, [], context);
}
