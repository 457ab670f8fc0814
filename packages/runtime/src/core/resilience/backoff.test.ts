import { describe, expect, it } from 'vitest';

import {
  CircuitOpenError,
  LeaseLostError,
  NonRetryableError,
  RetryableError,
  TimeoutError,
  ValidationError,
  VigilError,
} from '../errors.js';
import { backoffDelay, decideRetry } from './backoff.js';
import { DEFAULT_TOOL_RETRY, type RetryPolicy } from './retry-policy.js';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);
const policy: RetryPolicy = { attempts: 5, initialDelayMs: 1000, factor: 2, maxDelayMs: 10_000, jitter: 'full' };
const exact: RetryPolicy = { ...policy, jitter: 'none' };
const top = (): number => 0.999_999;
const bottom = (): number => 0;
const half = (): number => 0.5;

function httpError(status: number, headers?: Record<string, string>): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status, headers });
}

describe('backoffDelay', () => {
  it('grows exponentially from initialDelay and stops at maxDelay', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(exact, n, top))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it('with full jitter, picks uniformly below the capped delay', () => {
    expect(backoffDelay(policy, 1, bottom)).toBe(0);
    expect(backoffDelay(policy, 3, half)).toBe(2000);
    expect(backoffDelay(policy, 3, top)).toBe(3999);
    expect(backoffDelay(policy, 40, top)).toBe(9999);
  });

  it('stays within [0, cap] for a misbehaving random source and absurd attempts', () => {
    for (const random of [() => 1, () => 7, () => -1, () => Number.NaN]) {
      const delay = backoffDelay(policy, 2, random);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(2000);
    }
    expect(backoffDelay(exact, 10_000, top)).toBe(10_000);
    expect(backoffDelay(exact, 0, top)).toBe(1000);
  });

  it('with factor 1, waits the same each time', () => {
    expect([1, 2, 3].map((n) => backoffDelay({ ...exact, factor: 1 }, n, top))).toEqual([1000, 1000, 1000]);
  });
});

describe('decideRetry', () => {
  it('retries plain errors with the backoff delay', () => {
    expect(decideRetry(exact, 1, new Error('ECONNRESET'), now, top)).toEqual({
      retry: true,
      delayMs: 1000,
      reason: 'backoff',
    });
    expect(decideRetry(exact, 2, 'a thrown string', now, top)).toEqual({
      retry: true,
      delayMs: 2000,
      reason: 'backoff',
    });
  });

  it.each([
    ['TimeoutError', new TimeoutError('Tool x', 100)],
    ['RetryableError', new RetryableError('busy')],
    ['LeaseLostError', new LeaseLostError('r1')],
    ['429', httpError(429)],
    ['408', httpError(408)],
    ['409', httpError(409)],
    ['425', httpError(425)],
    ['500', httpError(500)],
    ['503', httpError(503)],
    [
      'a hostile proxy',
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('boom');
          },
        },
      ),
    ],
  ])('retries %s', (_, error) => {
    expect(decideRetry(policy, 1, error, now, half)).toMatchObject({ retry: true });
  });

  it.each([
    ['NonRetryableError', new NonRetryableError('card declined')],
    ['ValidationError', new ValidationError('invalid_input', 'bad')],
    ['CircuitOpenError', new CircuitOpenError('b', now + 1000)],
    ['a VigilError that is not retryable', new VigilError('custom', 'x')],
    ['404', httpError(404)],
    ['400', httpError(400)],
    ['401', httpError(401)],
    ['422 on response.status', Object.assign(new Error('x'), { response: { status: 422 } })],
  ])('stops at once on %s, even with attempts left', (_, error) => {
    expect(decideRetry(policy, 1, error, now, half)).toEqual({ retry: false, reason: 'non_retryable' });
  });

  it('reports non_retryable rather than exhaustion on the last attempt', () => {
    expect(decideRetry(policy, 5, new NonRetryableError('no'), now, half)).toEqual({
      retry: false,
      reason: 'non_retryable',
    });
  });

  it('stops when the attempts are used up', () => {
    expect(decideRetry(policy, 4, new Error('x'), now, half)).toMatchObject({ retry: true });
    expect(decideRetry(policy, 5, new Error('x'), now, half)).toEqual({ retry: false, reason: 'attempts_exhausted' });
    expect(decideRetry(policy, 6, new Error('x'), now, half)).toEqual({ retry: false, reason: 'attempts_exhausted' });
    expect(decideRetry({ ...DEFAULT_TOOL_RETRY, attempts: 1 }, 1, new Error('x'), now, half)).toEqual({
      retry: false,
      reason: 'attempts_exhausted',
    });
  });

  it("waits as long as a 429's Retry-After asks, in seconds or as an HTTP-date", () => {
    expect(decideRetry(policy, 1, httpError(429, { 'retry-after': '2' }), now, bottom)).toEqual({
      retry: true,
      delayMs: 2000,
      reason: 'retry_after',
    });
    const date = new Date(now + 30_000).toUTCString();
    expect(decideRetry(policy, 1, httpError(503, { 'Retry-After': date }), now, bottom)).toEqual({
      retry: true,
      delayMs: 30_000,
      reason: 'retry_after',
    });
  });

  it("honours RetryableError's retryAfter", () => {
    expect(decideRetry(policy, 1, new RetryableError('rate limited', { retryAfter: '5s' }), now, bottom)).toEqual({
      retry: true,
      delayMs: 5000,
      reason: 'retry_after',
    });
  });

  it('never waits less than the backoff', () => {
    expect(decideRetry(exact, 3, new RetryableError('x', { retryAfterMs: 10 }), now, top)).toEqual({
      retry: true,
      delayMs: 4000,
      reason: 'retry_after',
    });
  });

  it('honours the server past maxDelay, but not past 24 hours', () => {
    expect(decideRetry(exact, 1, httpError(429, { 'retry-after': '120' }), now, top)).toMatchObject({
      delayMs: 120_000,
    });
    expect(decideRetry(exact, 1, httpError(429, { 'retry-after': '999999999' }), now, top)).toMatchObject({
      delayMs: 24 * 60 * 60 * 1000,
    });
  });

  it('ignores Retry-After on a status that does not carry it', () => {
    expect(decideRetry(exact, 1, httpError(500, { 'retry-after': '120' }), now, top)).toEqual({
      retry: true,
      delayMs: 1000,
      reason: 'backoff',
    });
  });
});
