import { TimeoutError, toErrorRecord } from '../core/errors.js';
import type { FailpointName } from '../core/failpoints.js';
import { encodeJson } from '../core/json.js';
import type { Logger } from '../core/logger.js';
import { withTimeout } from '../core/resilience/timeout.js';
import type { StepKind, StepStatus } from '../core/step-identity.js';
import type { AttemptRecord, StepWrite } from '../store/checkpoint-store.js';
import { StepAttemptContext, type AttemptContext, type AttemptCost, type LlmUsage } from './attempt-context.js';
import type { ExecutionDeps } from './execution-deps.js';
import type { RuntimeEventMap } from './events.js';
import type { RunLogs } from './run-logs.js';
import type { ExecutionTrace, SpanSpec } from './run-tracing.js';

/** What running a step needs from its run's execution. */
export interface StepHost {
  readonly runId: string;
  readonly workflowName: string;
  readonly deps: ExecutionDeps;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** The run's own log lines: redacted, to the process log and stored per step. */
  readonly logs: RunLogs;
  /** The execution's span, parent of each attempt's. */
  readonly trace: ExecutionTrace;
  /** False once the execution stopped (lease lost, finished, handed back). */
  readonly active: boolean;
  readonly leaseExpiresAt: number;
  leaseRenewed(expiresAt: number): void;
  /** Commits `write` with everything pending; false if the execution stopped instead. */
  commitNow(write: StepWrite, renewUntil?: number): Promise<boolean>;
  /** Queues `outcome` for the run's next commit; `afterCommit` runs once it is durable. */
  commitLater(outcome: StepWrite, afterCommit?: () => Promise<void> | undefined): void;
  /**
   * Queues `row` (a retry backoff, a blocking escalation) to commit with the run's suspension
   * and waits durably until `wakeAt` (null: until something else wakes the run). Returns
   * `STOPPED` at once: this execution goes no further with the step (it is no longer in
   * flight, so the run can suspend); the next execution replays to it and picks up from the row.
   */
  wait(row: StepWrite, wakeAt: number | null, status: 'retrying' | 'waiting', onCommitted?: () => void): typeof STOPPED;
  /** Undefined when no failpoint is armed: callers skip the wait (a step costs fewer promises). */
  failpoint(name: FailpointName, step?: string, seq?: number): Promise<void> | undefined;
}

/** The step ended without an outcome to hand back: the execution stopped under it. */
export const STOPPED = Symbol('stopped');

/**
 * One attempt's result; nothing about its outcome is committed yet. `reportedUsd` is the cost
 * the body reported (`reportCost`), if it did; `llm`, what an LLM call reported of its usage.
 */
export type AttemptResult =
  | {
      ok: true;
      /** The result as JSON text: what is committed, and what the step hands back once parsed. */
      output: string;
      startedAt: number;
      endedAt: number;
      reportedUsd?: number;
      llm?: LlmUsage;
    }
  | { ok: false; error: unknown; record: AttemptRecord; reportedUsd?: number }
  | typeof STOPPED;

/** What identifies a step's row and how its body is called. */
export interface AttemptCall {
  seq: number;
  name: string;
  kind: 'step' | 'tool' | 'llm';
  body: (step: AttemptContext) => unknown;
  timeoutMs: number | undefined;
  maxResultBytes: number;
  /** The attempt span's name and GenAI attributes (tool and LLM calls); a plain step's is `step <name>`. */
  span?: SpanSpec;
  /**
   * What the call is recorded with (tool arguments, an LLM request's summary), as redacted JSON
   * text: made only when the step's first "started" row is written, and written with it.
   */
  input?: () => string;
}

/** The row of a step in `status`, with the fields every write of it repeats. */
export function stepRow(
  call: { seq: number; name: string; kind: StepKind },
  status: StepStatus,
  fields: Partial<StepWrite> & { attempts: number; startedAt: number },
): StepWrite {
  return {
    seq: call.seq,
    name: call.name,
    kind: call.kind,
    status,
    output: null,
    error: null,
    wakeAt: null,
    endedAt: null,
    detail: null,
    ...fields,
  };
}

/**
 * Runs one attempt of a step: commits its "started" row (G3) with anything riding along
 * (`carry`: the previous attempt's record, the policy detail), then runs the body with the
 * idempotency key and a signal that aborts on timeout or when the run stops. A timed-out
 * attempt is abandoned at once; whatever it returns later is discarded.
 */
export async function runAttempt(
  host: StepHost,
  call: AttemptCall,
  attempt: number,
  carry: Pick<StepWrite, 'detail' | 'failedAttempt'> & { firstStartedAt?: number },
): Promise<AttemptResult> {
  const { clock, events, leaseTtlMs } = host.deps;
  const startedAt = clock.now();
  const { firstStartedAt, ...riding } = carry;
  const started = stepRow(call, 'running', { attempts: attempt, startedAt: firstStartedAt ?? startedAt, ...riding });
  // The input rides with the step's first row and stays on it: later rows of the step leave it be.
  if (firstStartedAt === undefined && call.input) started.input = call.input();
  // A step never starts on a lease with less than half its TTL left: the renewal rides along
  // with the "started" row. Otherwise the heartbeat keeps it, and the row costs no lease write.
  const renewUntil = host.leaseExpiresAt - startedAt < leaseTtlMs / 2 ? startedAt + leaseTtlMs : undefined;
  if (!(await host.commitNow(started, renewUntil))) return STOPPED;
  if (renewUntil !== undefined) host.leaseRenewed(renewUntil);
  events.emit('step.started', { runId: host.runId, seq: call.seq, name: call.name, attempt });
  const beforeBody = host.failpoint('step.before-body', call.name, call.seq);
  if (beforeBody) await beforeBody;

  let result: AttemptResult;
  const cost: AttemptCost = {};
  const span = host.trace.startAttempt(call, attempt);
  const scope = { seq: call.seq, step: call.name, attempt };
  // The body runs with its span current and its log scope set, for `ctx.log` inside it.
  const body = (signal?: AbortSignal): unknown => {
    const context = new StepAttemptContext(host, call.name, call.seq, attempt, signal, cost);
    return span.run(() => host.logs.inStep(scope, () => call.body(context)));
  };
  try {
    // Without a timeout the body gets the run's own signal, made only if the body reads it: no
    // controllers to make per step.
    const value =
      call.timeoutMs === undefined
        ? await body()
        : await withTimeout(clock, call.timeoutMs, host.signal, describeCall(call), body);
    const output = encodeJson(value, `Step "${call.name}" result`, call.maxResultBytes);
    result = {
      ok: true,
      output,
      startedAt,
      endedAt: clock.now(),
      ...(cost.usd === undefined ? {} : { reportedUsd: cost.usd }),
      ...(cost.llm ? { llm: cost.llm } : {}),
    };
  } catch (error) {
    const record: AttemptRecord = {
      attempt,
      outcome: TimeoutError.is(error) ? 'timed_out' : 'failed',
      error: toErrorRecord(error),
      startedAt,
      endedAt: clock.now(),
      delayMs: null,
    };
    result = { ok: false, error, record, ...(cost.usd === undefined ? {} : { reportedUsd: cost.usd }) };
  }
  span.end(
    !host.active
      ? 'stopped'
      : result.ok
        ? { ok: true, ...(result.llm ? { llm: result.llm } : {}) }
        : { ok: false, error: result.record.error!, timedOut: result.record.outcome === 'timed_out' },
  );
  if (!host.active) return STOPPED;
  const afterBody = host.failpoint('step.after-body', call.name, call.seq);
  if (afterBody) await afterBody;
  if (!host.active) return STOPPED;
  return result;
}

/**
 * Emits `step.completed` or `step.failed` once an outcome row is durable. `tool`: the tool's
 * name, for a tool call. Call it before the row is queued: the event's audit entry rides along
 * with the row (`StepWrite.audit`) when the store appends entries in the step's transaction.
 */
export function announceOutcome(host: StepHost, outcome: StepWrite, tool?: string): () => Promise<void> | undefined {
  const { runId, workflowName: workflow } = host;
  const { seq, name, kind, attempts: attempt } = outcome;
  const named = tool ? { tool } : {};
  const durationMs = (outcome.endedAt ?? outcome.startedAt) - outcome.startedAt;
  // One literal per payload, not `{ ...base, status }`: V8 (Node 20) gives a literal that opens
  // with a spread and then adds keys a hidden class of its own at every call, and those maps,
  // old-space garbage, keep young objects alive through scavenges (bench/README.md).
  if (outcome.status === 'failed') {
    const error = outcome.error!;
    const payload = { runId, workflow, seq, name, kind, attempt, ...named, error, durationMs };
    return announce(host, outcome, 'step.failed', payload);
  }
  const { status } = outcome;
  const payload = { runId, workflow, seq, name, kind, attempt, ...named, status, durationMs };
  return announce(host, outcome, 'step.completed', payload);
}

/** Drafts the outcome's audit entry onto its row, and returns what emits `event` once the row commits. */
function announce<K extends 'step.completed' | 'step.failed'>(
  host: StepHost,
  outcome: StepWrite,
  event: K,
  payload: RuntimeEventMap[K],
): () => Promise<void> | undefined {
  const audit = host.deps.auditWithStep?.draftWithWrite(event, payload);
  if (audit) outcome.audit = [audit];
  return () => {
    host.deps.events.emit(event, payload);
    return host.failpoint('step.after-commit', outcome.name, outcome.seq);
  };
}

/**
 * Announces that a failed attempt will be retried after `delayMs`: the `step.retrying` event and
 * the retry on the execution's span. `tool`: the tool's name, for a tool call.
 */
export function announceRetry(
  host: StepHost,
  call: AttemptCall,
  failed: AttemptRecord,
  delayMs: number,
  tool: string | undefined,
): void {
  const { seq, name, kind } = call;
  host.trace.retrying(seq, name, failed.attempt, delayMs);
  host.deps.events.emit('step.retrying', {
    runId: host.runId,
    workflow: host.workflowName,
    seq,
    name,
    kind,
    ...(tool ? { tool } : {}),
    attempt: failed.attempt,
    error: failed.error!,
    delayMs,
  });
}

function describeCall(call: AttemptCall): string {
  if (call.kind === 'llm') return `LLM call "${call.name}"`;
  return call.kind === 'tool' ? `Tool call "${call.name}"` : `Step "${call.name}"`;
}
