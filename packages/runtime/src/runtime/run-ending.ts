import { EscalationAbortedError, StepFailedError, toErrorRecord, type ErrorRecord } from '../core/errors.js';
import { newRunId } from '../core/ids.js';
import type { AnyWorkflow } from '../core/workflow.js';
import type { AttemptRecord, StepWrite } from '../store/checkpoint-store.js';
import type { FinishOutcome } from '../store/queue-store.js';
import type { Suspension } from '../store/timer-store.js';
import type { RuntimeEvents } from './events.js';
import { parseDetail } from './step-detail.js';

/** How one execution of a run stopped. */
export type ExecutionOutcome =
  | { kind: 'completed' }
  | { kind: 'failed' | 'dead_lettered'; error: ErrorRecord }
  | { kind: 'suspended'; suspension: Suspension }
  | { kind: 'abandoned'; reason: 'lease_lost' | 'store_error'; error?: ErrorRecord };

/**
 * Announces a run's committed ending (`run.completed`, `run.dead_lettered` or `run.failed`) and
 * says how its execution stopped.
 */
export function announceFinish(
  events: RuntimeEvents,
  run: { runId: string; workflow: string; durationMs: number },
  outcome: FinishOutcome,
): ExecutionOutcome {
  const { runId, workflow, durationMs } = run;
  if (outcome.status === 'completed' || outcome.status === 'completed_partial') {
    const summary = outcome.status === 'completed_partial' ? outcome.summary : null;
    events.emit('run.completed', { runId, workflow, status: outcome.status, summary, durationMs });
    return { kind: 'completed' };
  }
  const { error } = outcome;
  if (outcome.status === 'dead_lettered') {
    events.emit('run.dead_lettered', { runId, workflow, deadLetterId: outcome.deadLetter.id, error, durationMs });
    return { kind: 'dead_lettered', error };
  }
  events.emit('run.failed', { runId, workflow, error, durationMs });
  return { kind: 'failed', error };
}

/** What the run knows of each of its steps: the latest row, recorded or written. */
export type TimelineEntry = Pick<StepWrite, 'seq' | 'name' | 'kind' | 'status' | 'attempts' | 'error'> & {
  detail?: string | null | undefined;
};

const USER_KINDS = new Set(['step', 'tool', 'sleep', 'escalation', 'event', 'llm']);

/**
 * How a run whose workflow returned ends: `completed`, or `completed_partial` with a summary
 * when some steps finished on a fallback or with an escalation left open.
 */
export function successOutcome(
  output: string,
  workflow: AnyWorkflow,
  timeline: readonly TimelineEntry[],
): FinishOutcome {
  const steps = userSteps(timeline);
  const affected = steps.filter((s) => s.status === 'degraded' || s.status === 'escalated');
  if (affected.length === 0) return { status: 'completed', output };
  return { status: 'completed_partial', output, summary: partialSummary(workflow, steps, affected) };
}

/**
 * How a run whose workflow threw ends: `failed` when a human aborted it, otherwise
 * `dead_lettered` with a dead letter an operator can replay.
 */
export function failureOutcome(
  error: unknown,
  timeline: readonly TimelineEntry[],
  context: { runId: string; workflow: string; now: number; attempts: ReadonlyArray<AttemptRecord & { seq: number }> },
): FinishOutcome {
  const record = toErrorRecord(error);
  if (EscalationAbortedError.is(error)) return { status: 'failed', error: record };
  const failedSeq = StepFailedError.is(error) ? (error.seq ?? null) : null;
  const failedStep = StepFailedError.is(error) ? error.stepName : null;
  const reason = failedStep === null ? `The workflow threw: ${record.message}` : record.message;
  return {
    status: 'dead_lettered',
    error: record,
    deadLetter: {
      id: newRunId(context.now),
      reason,
      failedSeq,
      failedStep,
      context: failureContext(context.runId, context.workflow, timeline, {
        seq: failedSeq,
        name: failedStep,
        error: StepFailedError.is(error) ? error.failure : record,
        attempts: context.attempts.filter((a) => a.seq === failedSeq),
      }),
    },
  };
}

/**
 * The run's context for a human or a dead letter, as JSON: the steps that completed, the one
 * that failed, and the errors of its attempts.
 */
export function failureContext(
  runId: string,
  workflow: string,
  timeline: readonly TimelineEntry[],
  failing: {
    seq: number | null;
    name: string | null;
    error: ErrorRecord | null;
    attempts: ReadonlyArray<AttemptRecord>;
  },
): string {
  const steps = userSteps(timeline);
  const failingEntry = steps.find((s) => s.seq === failing.seq);
  return JSON.stringify({
    runId,
    workflow,
    completedSteps: steps
      .filter((s) => s.status === 'completed' || s.status === 'degraded' || s.status === 'escalated')
      .map((s) => ({ seq: s.seq, name: s.name, status: s.status })),
    failingStep:
      failing.seq === null
        ? null
        : { seq: failing.seq, name: failing.name, attempts: failingEntry?.attempts ?? failing.attempts.length },
    attempts: failing.attempts.map((a) => ({
      attempt: a.attempt,
      outcome: a.outcome,
      error: a.error?.message ?? null,
      code: a.error?.code ?? null,
      delayMs: a.delayMs,
    })),
    lastError: failing.error,
  });
}

/** E.g. `Discharge 80% complete; pharmacy awaiting pharmacist review`. */
export function partialSummary(
  workflow: AnyWorkflow,
  steps: readonly TimelineEntry[],
  affected: readonly TimelineEntry[],
): string {
  const declared = workflow.steps;
  const done = new Set(steps.filter((s) => s.status === 'completed').map((s) => s.name));
  const total = declared ? declared.length : new Set(steps.map((s) => s.name)).size;
  const completed = declared ? declared.filter((name) => done.has(name)).length : done.size;
  const percent = total === 0 ? 100 : Math.round((100 * completed) / total);
  const problems = affected.map((s) => {
    if (s.status === 'degraded') return `${s.name} used its fallback`;
    const assignee = parseDetail(s.detail).assignee;
    return `${s.name} awaiting ${assignee ? `${assignee} ` : ''}review`;
  });
  return `${workflowTitle(workflow)} ${percent}% complete; ${problems.join('; ')}`;
}

/** A workflow's title for people: its `title`, or the last part of its name, capitalised. */
export function workflowTitle(workflow: Pick<AnyWorkflow, 'name' | 'title'>): string {
  if (workflow.title) return workflow.title;
  const last = workflow.name.split(/[.:]/).pop() ?? workflow.name;
  return last.charAt(0).toUpperCase() + last.slice(1);
}

function userSteps(timeline: readonly TimelineEntry[]): TimelineEntry[] {
  return timeline.filter((s) => USER_KINDS.has(s.kind)).sort((a, b) => a.seq - b.seq);
}
