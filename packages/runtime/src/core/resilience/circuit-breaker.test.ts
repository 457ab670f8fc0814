import { describe, expect, it } from 'vitest';

import { InvalidArgumentError } from '../errors.js';
import {
  admitCall,
  closedBreaker,
  recordOutcome,
  resolveBreakerPolicy,
  type BreakerPolicy,
  type BreakerState,
  type CircuitBreakerOptions,
} from './circuit-breaker.js';

const where = 'Tool insurance.check';
const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const LEASE = 5_000;
const ok = { ok: true } as const;
const fail = (error = 'HTTP 503') => ({ ok: false, error }) as const;

/** Records `outcomes` one per millisecond from `from`, as calls admitted while closed. */
function record(
  state: BreakerState,
  policy: BreakerPolicy,
  from: number,
  outcomes: Array<{ ok: true } | { ok: false; error: string }>,
): BreakerState {
  return outcomes.reduce((s, outcome, i) => recordOutcome(s, policy, from + i, outcome, false), state);
}

/** A breaker opened at `t0` by consecutive failures. */
function openedAtT0(policy: BreakerPolicy): BreakerState {
  const state = record(closedBreaker(t0 - 100), policy, t0 - policy.failureThreshold + 1, [
    ...Array.from({ length: policy.failureThreshold }, () => fail()),
  ]);
  expect(state).toMatchObject({ status: 'open', openedAt: t0 });
  return state;
}

describe('resolveBreakerPolicy', () => {
  it('fills the defaults', () => {
    expect(resolveBreakerPolicy({}, where)).toEqual({
      failureThreshold: 5,
      failureRate: null,
      cooldownMs: 30_000,
      whenOpen: 'fail',
    });
  });

  it('reads every option', () => {
    expect(
      resolveBreakerPolicy(
        { failureThreshold: 3, failureRate: { threshold: 0.5, window: '1m' }, cooldown: '10s', whenOpen: 'wait' },
        where,
      ),
    ).toEqual({
      failureThreshold: 3,
      failureRate: { threshold: 0.5, windowMs: 60_000, minCalls: 10 },
      cooldownMs: 10_000,
      whenOpen: 'wait',
    });
    expect(
      resolveBreakerPolicy({ failureRate: { threshold: 1, window: 500, minCalls: 1 } }, where).failureRate,
    ).toEqual({ threshold: 1, windowMs: 500, minCalls: 1 });
  });

  it.each([
    [
      { failureThreshold: 0 },
      'Tool insurance.check: circuitBreaker.failureThreshold must be a positive integer; got 0',
    ],
    [{ failureThreshold: 2.5 }, 'circuitBreaker.failureThreshold must be a positive integer; got 2.5'],
    [{ cooldown: 'a while' }, 'circuitBreaker.cooldown must be a number of milliseconds or a string like'],
    [{ whenOpen: 'queue' }, `circuitBreaker.whenOpen must be one of 'fail', 'wait'; got "queue"`],
    [{ threshold: 5 }, 'Tool insurance.check: unknown option circuitBreaker.threshold'],
    [{ failureRate: 0.5 }, 'circuitBreaker.failureRate must be a plain object; got 0.5'],
    [
      { failureRate: { threshold: 0, window: '1m' } },
      'circuitBreaker.failureRate.threshold must be a number in (0, 1]',
    ],
    [
      { failureRate: { threshold: 1.5, window: '1m' } },
      'circuitBreaker.failureRate.threshold must be a number in (0, 1], such as 0.5; got 1.5',
    ],
    [{ failureRate: { window: '1m' } }, 'circuitBreaker.failureRate.threshold is required'],
    [{ failureRate: { threshold: 0.5 } }, 'circuitBreaker.failureRate.window is required'],
    [{ failureRate: { threshold: 0.5, window: 0 } }, 'circuitBreaker.failureRate.window must be longer than 0 ms'],
    [
      { failureRate: { threshold: 0.5, window: '1m', minCalls: 0 } },
      'circuitBreaker.failureRate.minCalls must be a positive integer; got 0',
    ],
    [{ failureRate: { threshold: 0.5, window: '1m', min: 3 } }, 'unknown option circuitBreaker.failureRate.min'],
  ])('refuses %j, naming the field', (options, message) => {
    const resolve = (): unknown => resolveBreakerPolicy(options as CircuitBreakerOptions, where);
    expect(resolve).toThrow(InvalidArgumentError);
    expect(resolve).toThrow(message);
  });

  it('refuses options that are not a plain object', () => {
    expect(() => resolveBreakerPolicy(null as unknown as CircuitBreakerOptions, where)).toThrow(
      'Tool insurance.check: circuitBreaker must be a plain object; got null',
    );
  });
});

describe('circuit breaker', () => {
  const policy = resolveBreakerPolicy({ failureThreshold: 3, cooldown: '30s' }, where);

  it('starts closed and admits every call without changing its state', () => {
    const state = closedBreaker(t0);
    expect(state).toEqual({
      status: 'closed',
      consecutiveFailures: 0,
      windowStart: t0,
      windowCalls: 0,
      windowFailures: 0,
      openedAt: null,
      openUntil: null,
      probeUntil: null,
      lastError: null,
      updatedAt: t0,
    });
    const admission = admitCall(state, policy, t0, LEASE);
    expect(admission).toEqual({ admitted: true, probe: false, state });
    expect(admission.state).toBe(state);
  });

  it('opens after failureThreshold consecutive failures, keeping the error', () => {
    let state = record(closedBreaker(t0), policy, t0, [fail(), fail()]);
    expect(state).toMatchObject({ status: 'closed', consecutiveFailures: 2, lastError: 'HTTP 503' });
    state = recordOutcome(state, policy, t0 + 10, fail('HTTP 502'), false);
    expect(state).toMatchObject({
      status: 'open',
      consecutiveFailures: 3,
      openedAt: t0 + 10,
      openUntil: t0 + 10 + 30_000,
      probeUntil: null,
      lastError: 'HTTP 502',
      updatedAt: t0 + 10,
    });
  });

  it('a success in between resets the consecutive count', () => {
    const state = record(closedBreaker(t0), policy, t0, [fail(), fail(), ok, fail(), fail()]);
    expect(state).toMatchObject({ status: 'closed', consecutiveFailures: 2 });
  });

  it('fails fast while open, saying when the cooldown ends', () => {
    const state = openedAtT0(policy);
    for (const now of [t0, t0 + 1, t0 + 29_999]) {
      expect(admitCall(state, policy, now, LEASE)).toEqual({ admitted: false, retryAt: t0 + 30_000, state });
    }
  });

  it('after the cooldown, admits exactly one probe', () => {
    const open = openedAtT0(policy);
    const first = admitCall(open, policy, t0 + 30_000, LEASE);
    expect(first).toMatchObject({ admitted: true, probe: true });
    expect(first.state).toMatchObject({ status: 'half_open', probeUntil: t0 + 30_000 + LEASE, updatedAt: t0 + 30_000 });

    // A second caller at the same moment sees the stored half-open state and waits for the probe.
    expect(admitCall(first.state, policy, t0 + 30_000, LEASE)).toEqual({
      admitted: false,
      retryAt: t0 + 30_000 + LEASE,
      state: first.state,
    });
    expect(admitCall(first.state, policy, t0 + 30_000 + LEASE - 1, LEASE)).toMatchObject({ admitted: false });
  });

  it("lets another probe in when the first prober's lease expires (it died)", () => {
    const probing = admitCall(openedAtT0(policy), policy, t0 + 30_000, LEASE).state;
    const second = admitCall(probing, policy, t0 + 30_000 + LEASE, LEASE);
    expect(second).toMatchObject({ admitted: true, probe: true });
    expect(second.state).toMatchObject({ status: 'half_open', probeUntil: t0 + 30_000 + 2 * LEASE });
  });

  it("closes on the probe's success, resetting the counters", () => {
    const probing = admitCall(openedAtT0(policy), policy, t0 + 30_000, LEASE).state;
    const closed = recordOutcome(probing, policy, t0 + 31_000, ok, true);
    expect(closed).toEqual(closedBreaker(t0 + 31_000));
    expect(admitCall(closed, policy, t0 + 31_000, LEASE)).toMatchObject({ admitted: true, probe: false });
  });

  it("reopens with a fresh cooldown on the probe's failure", () => {
    const probing = admitCall(openedAtT0(policy), policy, t0 + 30_000, LEASE).state;
    const reopened = recordOutcome(probing, policy, t0 + 31_000, fail('still down'), true);
    expect(reopened).toMatchObject({
      status: 'open',
      openedAt: t0 + 31_000,
      openUntil: t0 + 61_000,
      probeUntil: null,
      lastError: 'still down',
    });
    expect(admitCall(reopened, policy, t0 + 60_999, LEASE)).toEqual({
      admitted: false,
      retryAt: t0 + 61_000,
      state: reopened,
    });
  });

  it('ignores outcomes of calls admitted before it opened, except for updatedAt', () => {
    const open = openedAtT0(policy);
    expect(recordOutcome(open, policy, t0 + 5, ok, false)).toEqual({ ...open, updatedAt: t0 + 5 });
    expect(recordOutcome(open, policy, t0 + 5, fail(), false)).toEqual({ ...open, updatedAt: t0 + 5 });
    const probing = admitCall(open, policy, t0 + 30_000, LEASE).state;
    expect(recordOutcome(probing, policy, t0 + 30_001, ok, false)).toEqual({ ...probing, updatedAt: t0 + 30_001 });
  });

  it('never mutates the state it is given, and keeps it JSON-safe', () => {
    const state = closedBreaker(t0);
    const frozen = Object.freeze({ ...state });
    const next = record(frozen, policy, t0, [fail(), fail(), fail()]);
    const probing = admitCall(Object.freeze(next), policy, t0 + 40_000, LEASE).state;
    recordOutcome(Object.freeze(probing), policy, t0 + 40_001, ok, true);
    expect(frozen).toEqual(state);
    expect(JSON.parse(JSON.stringify(probing))).toEqual(probing);
  });

  it('keeps long error messages short', () => {
    const state = recordOutcome(closedBreaker(t0), policy, t0, fail('x'.repeat(5000)), false);
    expect(state.lastError?.length).toBe(1000);
  });
});

describe('circuit breaker failure rate', () => {
  const policy = resolveBreakerPolicy(
    { failureThreshold: 100, failureRate: { threshold: 0.5, window: '1m', minCalls: 4 } },
    where,
  );

  it('opens when the failure ratio in the window reaches the threshold with enough calls', () => {
    let state = record(closedBreaker(t0), policy, t0, [fail(), ok, fail()]);
    expect(state).toMatchObject({ status: 'closed', windowCalls: 3, windowFailures: 2 });
    state = recordOutcome(state, policy, t0 + 10, ok, false);
    // 2 of 4 is 50%, but the last call succeeded: the ratio is checked when a failure is recorded.
    expect(state).toMatchObject({ status: 'closed', windowCalls: 4, windowFailures: 2 });
    state = recordOutcome(state, policy, t0 + 11, fail(), false);
    expect(state).toMatchObject({ status: 'open', windowCalls: 5, windowFailures: 3, openUntil: t0 + 11 + 30_000 });
  });

  it('does not open below minCalls, whatever the ratio', () => {
    const state = record(closedBreaker(t0), policy, t0, [fail(), fail(), fail()]);
    expect(state).toMatchObject({ status: 'closed', windowCalls: 3, windowFailures: 3 });
  });

  it('does not open below the ratio', () => {
    const state = record(closedBreaker(t0), policy, t0, [ok, ok, ok, fail(), ok, fail()]);
    expect(state).toMatchObject({ status: 'closed', windowCalls: 6, windowFailures: 2 });
  });

  it('counts afresh in each tumbling window, aligned to the first', () => {
    let state = record(closedBreaker(t0), policy, t0, [fail(), fail(), fail()]);
    // 2.5 windows later: the window containing now starts at t0 + 2 min.
    state = recordOutcome(state, policy, t0 + 150_000, fail(), false);
    expect(state).toMatchObject({
      status: 'closed',
      windowStart: t0 + 120_000,
      windowCalls: 1,
      windowFailures: 1,
      consecutiveFailures: 4,
    });
    state = record(state, policy, t0 + 150_001, [ok, fail()]);
    expect(state).toMatchObject({ status: 'closed', windowCalls: 3, windowFailures: 2 });
    state = recordOutcome(state, policy, t0 + 179_999, fail(), false);
    expect(state).toMatchObject({ status: 'open', windowStart: t0 + 120_000, windowCalls: 4, windowFailures: 3 });
  });

  it('the consecutive threshold still applies alongside the rate', () => {
    const both = resolveBreakerPolicy({ failureThreshold: 2, failureRate: { threshold: 1, window: '1m' } }, where);
    expect(record(closedBreaker(t0), both, t0, [fail(), fail()])).toMatchObject({ status: 'open' });
  });
});
