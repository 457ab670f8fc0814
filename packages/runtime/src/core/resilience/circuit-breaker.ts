import type { Duration } from '../duration.js';
import { OptionReader } from './option-reader.js';

/**
 * A circuit breaker as a pure state machine over plain data. The state is one database row
 * shared by every worker, so nothing here keeps memory between calls: each function takes the
 * stored state and `now`, and returns the state to store. Inputs are never mutated.
 *
 *   closed ──(failureThreshold consecutive failures, or the failure rate)──▶ open
 *   open ──(cooldown over; the next caller becomes the probe)──▶ half_open
 *   half_open ──(probe succeeds)──▶ closed      half_open ──(probe fails)──▶ open
 */

/** How a user configures a breaker. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open it; default 5. */
  failureThreshold?: number;
  /**
   * Open when failures/calls in the current (tumbling) window reach `threshold` (0 < threshold
   * <= 1) and at least `minCalls` (default 10) calls were seen in it.
   */
  failureRate?: { threshold: number; window: Duration; minCalls?: number };
  /** How long it stays open before letting one probe through; default `'30s'`. */
  cooldown?: Duration;
  /** What a call does when the breaker is open: fail at once (default) or wait for it to close. */
  whenOpen?: 'fail' | 'wait';
}

/** A validated breaker configuration. */
export interface BreakerPolicy {
  readonly failureThreshold: number;
  readonly failureRate: { threshold: number; windowMs: number; minCalls: number } | null;
  readonly cooldownMs: number;
  readonly whenOpen: 'fail' | 'wait';
}

const KEYS = ['failureThreshold', 'failureRate', 'cooldown', 'whenOpen'] as const;
const RATE_KEYS = ['threshold', 'window', 'minCalls'] as const;
const WHEN_OPEN = ['fail', 'wait'] as const;

/**
 * Validates `options` and fills the defaults; throws InvalidArgumentError naming `where` and
 * the field (e.g. `Tool insurance.check: circuitBreaker.failureThreshold must be ...`).
 *
 * @example
 * resolveBreakerPolicy({ failureThreshold: 3, cooldown: '1m' }, 'Tool insurance.check')
 */
export function resolveBreakerPolicy(options: CircuitBreakerOptions, where: string): BreakerPolicy {
  const read = OptionReader.of(options, where, 'circuitBreaker', KEYS);
  const policy: BreakerPolicy = {
    failureThreshold: read.positiveInteger('failureThreshold') ?? 5,
    failureRate: resolveFailureRate(read.raw('failureRate'), where),
    cooldownMs: read.duration('cooldown') ?? 30_000,
    whenOpen: read.choice('whenOpen', WHEN_OPEN) ?? 'fail',
  };
  return Object.freeze(policy);
}

function resolveFailureRate(value: unknown, where: string): BreakerPolicy['failureRate'] {
  if (value === undefined) return null;
  // Annotated so TypeScript treats `read.fail` (returns never) as ending the flow.
  const read: OptionReader = OptionReader.of(value, where, 'circuitBreaker.failureRate', RATE_KEYS);
  const threshold = read.number('threshold', (n) => n > 0 && n <= 1, 'a number in (0, 1], such as 0.5');
  if (threshold === undefined) read.fail('threshold', 'is required: the failure ratio that opens the breaker');
  const windowMs = read.duration('window');
  if (windowMs === undefined) read.fail('window', "is required: the length of the counting window, such as '1m'");
  if (windowMs <= 0) read.fail('window', 'must be longer than 0 ms');
  return Object.freeze({ threshold, windowMs, minCalls: read.positiveInteger('minCalls') ?? 10 });
}

/** Where a breaker is in its cycle. */
export type BreakerStatus = 'closed' | 'open' | 'half_open';

/** A breaker's state: plain JSON-safe data, stored in one row and shared by all workers. */
export interface BreakerState {
  status: BreakerStatus;
  consecutiveFailures: number;
  /** Start of the current failure-rate window, and the calls and failures counted in it. */
  windowStart: number;
  windowCalls: number;
  windowFailures: number;
  /** When it last opened. */
  openedAt: number | null;
  /** End of the cooldown while open. */
  openUntil: number | null;
  /** While half-open: the one probe in flight holds this lease until then. */
  probeUntil: number | null;
  /** Message of the failure that opened it (or the last failure). */
  lastError: string | null;
  updatedAt: number;
}

/** A fresh, closed breaker. */
export function closedBreaker(now: number): BreakerState {
  return {
    status: 'closed',
    consecutiveFailures: 0,
    windowStart: now,
    windowCalls: 0,
    windowFailures: 0,
    openedAt: null,
    openUntil: null,
    probeUntil: null,
    lastError: null,
    updatedAt: now,
  };
}

/** The answer of {@link admitCall}. `state` is the state to store: the input itself when nothing changed. */
export type Admission =
  | { admitted: true; probe: boolean; state: BreakerState }
  /** `retryAt`: when a call may next be admitted (end of cooldown, or end of the current probe's lease). */
  | { admitted: false; retryAt: number; state: BreakerState };

/**
 * Whether a call may go through now. Open past its cooldown → half_open, and this caller becomes
 * the single probe (probeUntil = now + probeLeaseMs). Half-open with a live probe → rejected until
 * probeUntil; with an expired probe lease (the prober died) → this caller becomes the probe.
 * Admission reads only the deadlines stored in `state` (set from the policy when it opened).
 */
export function admitCall(state: BreakerState, _policy: BreakerPolicy, now: number, probeLeaseMs: number): Admission {
  switch (state.status) {
    case 'closed':
      return { admitted: true, probe: false, state };
    case 'open':
      if (state.openUntil !== null && now < state.openUntil) {
        return { admitted: false, retryAt: state.openUntil, state };
      }
      return grantProbe(state, now, probeLeaseMs);
    case 'half_open':
      if (state.probeUntil !== null && now < state.probeUntil) {
        return { admitted: false, retryAt: state.probeUntil, state };
      }
      return grantProbe(state, now, probeLeaseMs);
  }
}

function grantProbe(state: BreakerState, now: number, probeLeaseMs: number): Admission {
  return {
    admitted: true,
    probe: true,
    state: { ...state, status: 'half_open', probeUntil: now + Math.max(0, probeLeaseMs), updatedAt: now },
  };
}

/** Longest error message kept in the state row. */
const MAX_ERROR_LENGTH = 1000;

/**
 * Records a call's outcome. Success: closes (counters reset) — a probe's success closes a
 * half-open breaker; failure of a probe → open again with a fresh cooldown; failure while closed →
 * count it, open when failureThreshold consecutive failures or the failure rate in the window is
 * reached. Outcomes arriving while open (calls admitted before it opened) update nothing but
 * updatedAt.
 *
 * While half-open, only the probe's outcome counts: a call admitted before the breaker opened
 * proves nothing about whether the callee has recovered.
 */
export function recordOutcome(
  state: BreakerState,
  policy: BreakerPolicy,
  now: number,
  outcome: { ok: true } | { ok: false; error: string },
  wasProbe: boolean,
): BreakerState {
  switch (state.status) {
    case 'open':
      return { ...state, updatedAt: now };
    case 'half_open':
      if (!wasProbe) return { ...state, updatedAt: now };
      return outcome.ok ? closedBreaker(now) : open({ ...state, lastError: truncate(outcome.error) }, policy, now);
    case 'closed':
      return recordWhileClosed(state, policy, now, outcome);
  }
}

function recordWhileClosed(
  state: BreakerState,
  policy: BreakerPolicy,
  now: number,
  outcome: { ok: true } | { ok: false; error: string },
): BreakerState {
  // Without a failure rate there is nothing to count a success towards: a closed breaker with no
  // failures stays as it is, so the store writes nothing for the common case of a call that worked.
  if (outcome.ok && policy.failureRate === null) {
    return state.consecutiveFailures === 0 ? state : { ...state, consecutiveFailures: 0, updatedAt: now };
  }
  const window = currentWindow(state, policy, now);
  if (outcome.ok) {
    return { ...state, ...window, windowCalls: window.windowCalls + 1, consecutiveFailures: 0, updatedAt: now };
  }
  const next: BreakerState = {
    ...state,
    windowStart: window.windowStart,
    windowCalls: window.windowCalls + 1,
    windowFailures: window.windowFailures + 1,
    consecutiveFailures: state.consecutiveFailures + 1,
    lastError: truncate(outcome.error),
    updatedAt: now,
  };
  return shouldOpen(next, policy) ? open(next, policy, now) : next;
}

/** The failure-rate window that contains `now`: windows tumble, aligned to the first one's start. */
function currentWindow(
  state: BreakerState,
  policy: BreakerPolicy,
  now: number,
): Pick<BreakerState, 'windowStart' | 'windowCalls' | 'windowFailures'> {
  const rate = policy.failureRate;
  if (rate === null || now < state.windowStart + rate.windowMs) {
    return { windowStart: state.windowStart, windowCalls: state.windowCalls, windowFailures: state.windowFailures };
  }
  const elapsedWindows = Math.floor((now - state.windowStart) / rate.windowMs);
  return { windowStart: state.windowStart + elapsedWindows * rate.windowMs, windowCalls: 0, windowFailures: 0 };
}

function shouldOpen(state: BreakerState, policy: BreakerPolicy): boolean {
  if (state.consecutiveFailures >= policy.failureThreshold) return true;
  const rate = policy.failureRate;
  return (
    rate !== null && state.windowCalls >= rate.minCalls && state.windowFailures / state.windowCalls >= rate.threshold
  );
}

function open(state: BreakerState, policy: BreakerPolicy, now: number): BreakerState {
  return {
    ...state,
    status: 'open',
    openedAt: now,
    openUntil: now + policy.cooldownMs,
    probeUntil: null,
    updatedAt: now,
  };
}

function truncate(message: string): string {
  return message.length <= MAX_ERROR_LENGTH ? message : `${message.slice(0, MAX_ERROR_LENGTH - 1)}…`;
}
