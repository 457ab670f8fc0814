import { describe, expect, it } from 'vitest';

import { InvalidArgumentError } from '../errors.js';
import { DEFAULT_TOOL_RETRY, NO_RETRY, resolveRetryPolicy, type RetryOptions } from './retry-policy.js';

const where = 'Tool insurance.check';

describe('resolveRetryPolicy', () => {
  it('has the documented defaults', () => {
    expect(NO_RETRY).toEqual({ attempts: 1, initialDelayMs: 1000, factor: 2, maxDelayMs: 60_000, jitter: 'full' });
    expect(DEFAULT_TOOL_RETRY).toEqual({
      attempts: 3,
      initialDelayMs: 1000,
      factor: 2,
      maxDelayMs: 60_000,
      jitter: 'full',
    });
  });

  it('returns the base when no options are given', () => {
    expect(resolveRetryPolicy(undefined, DEFAULT_TOOL_RETRY, where)).toBe(DEFAULT_TOOL_RETRY);
  });

  it('fills unset fields from the base and parses durations', () => {
    expect(resolveRetryPolicy({ attempts: 5, maxDelay: '10s' }, DEFAULT_TOOL_RETRY, where)).toEqual({
      attempts: 5,
      initialDelayMs: 1000,
      factor: 2,
      maxDelayMs: 10_000,
      jitter: 'full',
    });
    expect(
      resolveRetryPolicy(
        { attempts: 1, initialDelay: 200, maxDelay: '1m', jitter: 'none', factor: undefined },
        NO_RETRY,
        where,
      ),
    ).toEqual({ attempts: 1, initialDelayMs: 200, factor: 2, maxDelayMs: 60_000, jitter: 'none' });
    expect(resolveRetryPolicy({}, NO_RETRY, where)).toEqual(NO_RETRY);
  });

  it.each([
    [{ attempts: 0 }, 'Tool insurance.check: retry.attempts must be a positive integer; got 0'],
    [{ attempts: -1 }, 'retry.attempts must be a positive integer; got -1'],
    [{ attempts: 1.5 }, 'retry.attempts must be a positive integer; got 1.5'],
    [{ attempts: '3' }, 'retry.attempts must be a positive integer; got "3"'],
    [{ attempts: Number.POSITIVE_INFINITY }, 'retry.attempts must be a positive integer; got Infinity'],
    [{ factor: 0.5 }, 'retry.factor must be a finite number of at least 1; got 0.5'],
    [{ factor: Number.NaN }, 'retry.factor must be a finite number of at least 1; got NaN'],
    [{ initialDelay: 'soon' }, `retry.initialDelay must be a number of milliseconds or a string like '250ms'`],
    [{ maxDelay: -1 }, 'retry.maxDelay must be a finite, non-negative number of milliseconds; got -1'],
    [{ jitter: 'half' }, `retry.jitter must be one of 'full', 'none'; got "half"`],
    [{ attempt: 3 }, 'Tool insurance.check: unknown option retry.attempt'],
    [
      { initialDelay: '1s', maxDelay: '100ms' },
      'Tool insurance.check: retry.maxDelay (100 ms) must be at least retry.initialDelay (1000 ms)',
    ],
    [
      { initialDelay: '2m' },
      'retry.maxDelay (60000 ms) must be at least retry.initialDelay (120000 ms) (set retry.maxDelay',
    ],
  ])('refuses %j, naming the field and the value', (options, message) => {
    const resolve = (): unknown => resolveRetryPolicy(options as RetryOptions, DEFAULT_TOOL_RETRY, where);
    expect(resolve).toThrow(InvalidArgumentError);
    expect(resolve).toThrow(message);
  });

  it.each([null, 3, 'fast', [1, 2]])('refuses options that are not a plain object: %j', (options) => {
    expect(() => resolveRetryPolicy(options as RetryOptions, DEFAULT_TOOL_RETRY, where)).toThrow(
      'Tool insurance.check: retry must be a plain object',
    );
  });

  it('sets the offending field as the error path', () => {
    expect(() => resolveRetryPolicy({ factor: 0 }, DEFAULT_TOOL_RETRY, where)).toThrow(
      expect.objectContaining({ path: 'retry.factor' }),
    );
  });

  it('returns frozen plain data', () => {
    const policy = resolveRetryPolicy({ attempts: 2 }, DEFAULT_TOOL_RETRY, where);
    expect(Object.isFrozen(policy)).toBe(true);
    expect(JSON.parse(JSON.stringify(policy))).toEqual(policy);
  });
});
