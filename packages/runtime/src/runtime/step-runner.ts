import type { StepContext, StepOptions } from '../core/context.js';
import { toErrorRecord } from '../core/errors.js';
import type { FailpointName } from '../core/failpoints.js';
import { encodeJson } from '../core/json.js';
import type { Logger } from '../core/logger.js';
import { stepIdempotencyKey } from '../core/step-identity.js';
import type { StepWrite } from '../store/checkpoint-store.js';
import type { ExecutionDeps } from './execution-deps.js';

/** What running a new step needs from its run's execution. */
export interface StepHost {
  readonly runId: string;
  readonly deps: ExecutionDeps;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** False once the execution stopped (lease lost, finished, handed back). */
  readonly active: boolean;
  readonly leaseExpiresAt: number;
  leaseRenewed(expiresAt: number): void;
  /** Commits `write` with everything pending; false if the execution stopped instead. */
  commitNow(write: StepWrite, renewUntil?: number): Promise<boolean>;
  /** Queues `outcome` for the run's next commit; `afterCommit` runs once it is durable. */
  commitLater(outcome: StepWrite, afterCommit: () => Promise<void>): void;
  failpoint(name: FailpointName, step?: string, seq?: number): Promise<void>;
}

/** The step ended without an outcome to hand back: the execution stopped under it. */
export const STOPPED = Symbol('stopped');

export type StepResult = { ok: true; value: unknown } | { ok: false; outcome: StepWrite } | typeof STOPPED;

/**
 * Runs one new step: commits its "started" row (G3), runs the body with its idempotency key
 * and the run's abort signal, and queues the outcome to commit with the run's next write.
 */
export async function runNewStep(
  host: StepHost,
  seq: number,
  name: string,
  attempt: number,
  fn: (step: StepContext) => unknown,
  options: StepOptions,
): Promise<StepResult> {
  const { clock, events, leaseTtlMs, maxPayloadBytes } = host.deps;
  const started: StepWrite = {
    seq,
    name,
    kind: 'step',
    status: 'running',
    attempts: attempt,
    output: null,
    error: null,
    wakeAt: null,
    startedAt: clock.now(),
    endedAt: null,
  };
  // A step never starts on a lease with less than half its TTL left: the renewal rides along
  // with the "started" row. Otherwise the heartbeat keeps it, and the row costs no lease write.
  const renewUntil =
    host.leaseExpiresAt - started.startedAt < leaseTtlMs / 2 ? started.startedAt + leaseTtlMs : undefined;
  if (!(await host.commitNow(started, renewUntil))) return STOPPED;
  if (renewUntil !== undefined) host.leaseRenewed(renewUntil);
  events.emit('step.started', { runId: host.runId, seq, name, attempt });
  await host.failpoint('step.before-body', name, seq);

  let outcome: StepWrite;
  let value: unknown;
  try {
    const result = await fn(stepContext(host, name, seq, attempt));
    const output = encodeJson(result, `Step "${name}" result`, options.maxResultBytes ?? maxPayloadBytes);
    value = JSON.parse(output);
    outcome = { ...started, status: 'completed', output, endedAt: clock.now() };
  } catch (error) {
    outcome = { ...started, status: 'failed', error: toErrorRecord(error), endedAt: clock.now() };
  }
  if (!host.active) return STOPPED;
  await host.failpoint('step.after-body', name, seq);
  if (!host.active) return STOPPED;
  host.commitLater(outcome, () => onCommitted(host, outcome));
  return outcome.status === 'completed' ? { ok: true, value } : { ok: false, outcome };
}

function stepContext(host: StepHost, name: string, seq: number, attempt: number): StepContext {
  let log: Logger | undefined;
  return {
    runId: host.runId,
    stepName: name,
    seq,
    idempotencyKey: stepIdempotencyKey(host.runId, seq),
    attempt,
    signal: host.signal,
    // Made on first use: most steps never log, and a child logger per step is not free.
    get log() {
      return (log ??= host.log.child({ step: name, seq, attempt }));
    },
  };
}

async function onCommitted(host: StepHost, outcome: StepWrite): Promise<void> {
  const { runId } = host;
  const { seq, name, attempts: attempt } = outcome;
  if (outcome.status === 'failed') {
    host.deps.events.emit('step.failed', { runId, seq, name, attempt, error: outcome.error! });
  } else {
    host.deps.events.emit('step.completed', {
      runId,
      seq,
      name,
      attempt,
      durationMs: outcome.endedAt! - outcome.startedAt,
    });
  }
  await host.failpoint('step.after-commit', name, seq);
}
