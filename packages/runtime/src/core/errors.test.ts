import { describe, expect, it } from 'vitest';

import {
  CircuitOpenError,
  ConflictError,
  InvalidArgumentError,
  LeaseLostError,
  NonRetryableError,
  NotFoundError,
  RetryableError,
  StepFailedError,
  StepMismatchError,
  TimeoutError,
  VigilError,
  isVigilError,
  toErrorRecord,
} from './errors.js';

describe('errors', () => {
  it('carry a stable code and whether retrying can help', () => {
    expect(new NonRetryableError('bad card')).toMatchObject({
      code: 'non_retryable',
      retryable: false,
      name: 'NonRetryableError',
    });
    expect(new RetryableError('busy', { retryAfterMs: 500 })).toMatchObject({
      code: 'retryable',
      retryable: true,
      retryAfterMs: 500,
    });
    expect(new LeaseLostError('r1')).toMatchObject({ code: 'lease_lost', retryable: true });
    expect(new NonRetryableError('x', { code: 'card_declined' }).code).toBe('card_declined');
  });

  it('are recognised by brand and code, also when copied from another package instance', () => {
    const foreign = Object.assign(new Error('from another copy'), {
      [Symbol.for('vigil.error')]: true,
      code: 'lease_lost',
    });
    expect(isVigilError(foreign)).toBe(true);
    expect(LeaseLostError.is(foreign)).toBe(true);
    expect(StepMismatchError.is(foreign)).toBe(false);
    expect(isVigilError(new Error('plain'))).toBe(false);
    expect(NotFoundError.is(new NotFoundError('run_not_found', 'x'))).toBe(true);
    expect(ConflictError.is(new ConflictError('run_finished', 'x'))).toBe(true);
  });

  it('StepMismatchError names both steps and the run', () => {
    const error = new StepMismatchError('run-1', 3, 'fetch-record', 'fetch-patient');
    expect(error.message).toContain('run-1');
    expect(error.message).toContain('#3');
    expect(error.message).toContain('"fetch-record"');
    expect(error.message).toContain('"fetch-patient"');
  });

  it('normalise anything thrown into a record', () => {
    expect(toErrorRecord(new VigilError('x_code', 'msg', { details: { a: 1 } }))).toMatchObject({
      name: 'VigilError',
      code: 'x_code',
      message: 'msg',
      details: { a: 1 },
    });
    expect(toErrorRecord(Object.assign(new TypeError('t'), { code: 'ECONNRESET' }))).toMatchObject({
      name: 'TypeError',
      message: 't',
      code: 'ECONNRESET',
    });
    expect(toErrorRecord('a string')).toEqual({ name: 'Error', message: 'a string' });
    expect(toErrorRecord({ weird: true })).toEqual({ name: 'Error', message: 'Non-error thrown: {"weird":true}' });
    expect(new StepFailedError('s', { name: 'Error', message: 'inner' }).message).toBe('Step "s" failed: inner');
  });

  it('RetryableError takes the delay as milliseconds or as a duration, milliseconds winning', () => {
    expect(new RetryableError('busy', { retryAfter: '5s' }).retryAfterMs).toBe(5000);
    expect(new RetryableError('busy', { retryAfter: 250 }).retryAfterMs).toBe(250);
    expect(new RetryableError('busy', { retryAfter: '5s', retryAfterMs: 10 }).retryAfterMs).toBe(10);
    expect(new RetryableError('busy').retryAfterMs).toBeUndefined();
    expect(() => new RetryableError('busy', { retryAfter: 'soon' as '1s' })).toThrow(InvalidArgumentError);
    expect(() => new RetryableError('busy', { retryAfter: 'soon' as '1s' })).toThrow(/retryAfter must be/);
  });

  it('TimeoutError says what timed out and after how long, and may be retried', () => {
    const error = new TimeoutError('Step "x"', 10_000);
    expect(error).toMatchObject({
      code: 'timeout',
      retryable: true,
      name: 'TimeoutError',
      message: 'Step "x" timed out after 10000 ms',
      details: { timeoutMs: 10_000 },
    });
    expect(TimeoutError.is(error)).toBe(true);
    expect(TimeoutError.is(new Error('timeout'))).toBe(false);
    expect(isVigilError(error)).toBe(true);
  });

  it('CircuitOpenError names the breaker and when it may admit calls again', () => {
    const retryAt = Date.UTC(2026, 0, 1, 12, 0, 30);
    const error = new CircuitOpenError('tool:insurance.check', retryAt);
    expect(error).toMatchObject({
      code: 'circuit_open',
      retryable: false,
      details: { breaker: 'tool:insurance.check', retryAt },
    });
    expect(error.message).toBe('Circuit breaker "tool:insurance.check" is open until 2026-01-01T12:00:30.000Z');
    expect(CircuitOpenError.is(error)).toBe(true);
    expect(CircuitOpenError.is(new TimeoutError('x', 1))).toBe(false);
    expect(new CircuitOpenError('b', Number.NaN).message).toContain('until NaN');
  });
});
