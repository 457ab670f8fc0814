import { parseDuration, type Duration } from './duration.js';
import { InvalidArgumentError, type ErrorRecord } from './errors.js';
import { resolveBreakerPolicy, type BreakerPolicy, type CircuitBreakerOptions } from './resilience/circuit-breaker.js';
import {
  DEFAULT_TOOL_RETRY,
  NO_RETRY,
  resolveRetryPolicy,
  type RetryOptions,
  type RetryPolicy,
} from './resilience/retry-policy.js';

/** What a step does once its retries are used up (or its breaker is open with `whenOpen: 'fail'`). */
export type OnExhausted = 'fail' | 'skip' | 'escalate';
export const ON_EXHAUSTED: readonly OnExhausted[] = ['fail', 'skip', 'escalate'];

/**
 * What a step's effect on the outside world allows after a crash: `none` and `idempotent`
 * steps are simply run again; an `at-most-once` step whose outcome is unknown is never re-run
 * blindly — its `verify` hook decides, or the run escalates.
 */
export type Effects = 'none' | 'idempotent' | 'at-most-once';
export const EFFECTS: readonly Effects[] = ['none', 'idempotent', 'at-most-once'];

/** What an escalation decides when it times out unresolved. */
export type EscalationTimeoutDecision = 'retry' | 'skip' | 'abort';

/** A fallback: a value, or a function of the last error that returns one (it may be async). */
export type Fallback<T> = T | ((error: ErrorRecord) => T | Promise<T>);

/** The failure policy of a step or tool call. Every field is optional. */
export interface StepPolicyOptions<T = unknown> {
  /** Each attempt's time limit. Steps have none by default; tools 10 s. */
  timeout?: Duration | null;
  /** Retries with exponential backoff and full jitter. Steps try once by default; tools 3 times. */
  retry?: RetryOptions;
  /** A circuit breaker shared by all workers, per tool (or per tool and `key`). */
  circuitBreaker?: (CircuitBreakerOptions & { key?: string }) | null;
  /** Default `fail`: the step fails and the error reaches the workflow. */
  onExhausted?: OnExhausted;
  /** The value `skip` (and a non-blocking escalation) continues with. */
  fallback?: Fallback<T>;
  effects?: Effects;
  /** Who an escalation goes to, e.g. `pharmacist`. */
  escalateTo?: string;
  /** Whether an escalation holds the run until a human resolves it. Default true. */
  blocking?: boolean;
  /** How long a blocking escalation may stay open; then `onEscalationTimeout` decides. */
  escalationTimeout?: Duration;
  onEscalationTimeout?: EscalationTimeoutDecision;
}

/** A policy with its defaults filled in and every field checked. */
export interface StepPolicy {
  readonly timeoutMs: number | undefined;
  readonly retry: RetryPolicy;
  readonly breaker: (BreakerPolicy & { key: string | undefined }) | null;
  readonly onExhausted: OnExhausted;
  readonly fallback: { value: Fallback<unknown> } | null;
  readonly effects: Effects;
  readonly escalateTo: string | null;
  readonly blocking: boolean;
  readonly escalationTimeoutMs: number | undefined;
  readonly onEscalationTimeout: EscalationTimeoutDecision;
}

const KEYS = new Set([
  'timeout',
  'retry',
  'circuitBreaker',
  'onExhausted',
  'fallback',
  'effects',
  'escalateTo',
  'blocking',
  'escalationTimeout',
  'onEscalationTimeout',
]);

/** The defaults of a plain step: one attempt, no timeout, failures reach the workflow. */
export const STEP_DEFAULTS: StepPolicy = Object.freeze({
  timeoutMs: undefined,
  retry: NO_RETRY,
  breaker: null,
  onExhausted: 'fail',
  fallback: null,
  effects: 'idempotent',
  escalateTo: null,
  blocking: true,
  escalationTimeoutMs: undefined,
  onEscalationTimeout: 'abort',
});

/** The defaults of a tool: 3 attempts with backoff, a 10 s timeout. */
export const TOOL_DEFAULTS: StepPolicy = Object.freeze({
  ...STEP_DEFAULTS,
  timeoutMs: 10_000,
  retry: DEFAULT_TOOL_RETRY,
});

/**
 * Fills `options` over `base` and checks every field, so a bad policy fails where it is
 * written (at definition time for tools), not in the middle of a run.
 *
 * @param extraKeys option names the caller handles itself (a tool's `run`, a step's `maxResultBytes`).
 * @throws InvalidArgumentError naming `where` and the field.
 */
export function resolveStepPolicy(
  options: Readonly<Record<string, unknown>>,
  base: StepPolicy,
  where: string,
  extraKeys: ReadonlySet<string> = new Set(),
): StepPolicy {
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key) && !extraKeys.has(key)) throw new InvalidArgumentError(`${where}: unknown option ${key}`);
  }
  const o = options as StepPolicyOptions;
  const onExhausted = o.onExhausted ?? base.onExhausted;
  if (!ON_EXHAUSTED.includes(onExhausted)) {
    throw new InvalidArgumentError(
      `${where}: onExhausted must be one of ${ON_EXHAUSTED.join(', ')}; got ${JSON.stringify(o.onExhausted)}`,
    );
  }
  const effects = o.effects ?? base.effects;
  if (!EFFECTS.includes(effects)) {
    throw new InvalidArgumentError(
      `${where}: effects must be one of ${EFFECTS.join(', ')}; got ${JSON.stringify(o.effects)}`,
    );
  }
  const onEscalationTimeout = o.onEscalationTimeout ?? base.onEscalationTimeout;
  if (!['retry', 'skip', 'abort'].includes(onEscalationTimeout)) {
    throw new InvalidArgumentError(
      `${where}: onEscalationTimeout must be retry, skip or abort; got ${JSON.stringify(o.onEscalationTimeout)}`,
    );
  }
  if (o.escalateTo !== undefined && (typeof o.escalateTo !== 'string' || o.escalateTo.trim() === '')) {
    throw new InvalidArgumentError(`${where}: escalateTo must be a non-empty string`);
  }
  if (o.blocking !== undefined && typeof o.blocking !== 'boolean') {
    throw new InvalidArgumentError(`${where}: blocking must be true or false`);
  }
  let breaker = base.breaker;
  if (o.circuitBreaker === null) breaker = null;
  else if (o.circuitBreaker !== undefined) {
    const { key, ...rest } = o.circuitBreaker;
    if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > 200)) {
      throw new InvalidArgumentError(`${where}: circuitBreaker.key must be a string of 1–200 characters`);
    }
    breaker = { ...resolveBreakerPolicy(rest, `${where}: circuitBreaker`), key };
  }
  return Object.freeze({
    timeoutMs:
      o.timeout === null
        ? undefined
        : o.timeout === undefined
          ? base.timeoutMs
          : positive(parseDuration(o.timeout, `${where}: timeout`), `${where}: timeout`),
    retry: o.retry === undefined ? base.retry : resolveRetryPolicy(o.retry, base.retry, `${where}: retry`),
    breaker,
    onExhausted,
    fallback: 'fallback' in o ? { value: o.fallback } : base.fallback,
    effects,
    escalateTo: o.escalateTo ?? base.escalateTo,
    blocking: o.blocking ?? base.blocking,
    escalationTimeoutMs:
      o.escalationTimeout === undefined
        ? base.escalationTimeoutMs
        : positive(parseDuration(o.escalationTimeout, `${where}: escalationTimeout`), `${where}: escalationTimeout`),
    onEscalationTimeout,
  });
}

function positive(ms: number, what: string): number {
  if (ms <= 0) throw new InvalidArgumentError(`${what} must be more than 0 ms`);
  return ms;
}
