import { describe, expect, it } from 'vitest';

import { RetryableError } from '../errors.js';
import { httpStatusOf, retryAfterOf } from './retry-after.js';

const now = Date.UTC(2026, 0, 1, 12, 0, 0);

function httpError(status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status }, extra);
}

describe('httpStatusOf', () => {
  it('reads status, statusCode or response.status', () => {
    expect(httpStatusOf(httpError(429))).toBe(429);
    expect(httpStatusOf({ statusCode: 503 })).toBe(503);
    expect(httpStatusOf({ response: { status: 404 } })).toBe(404);
  });

  it('ignores anything that is not an HTTP status number', () => {
    expect(httpStatusOf(new Error('plain'))).toBeUndefined();
    expect(httpStatusOf({ status: '429' })).toBeUndefined();
    expect(httpStatusOf({ status: 42 })).toBeUndefined();
    expect(httpStatusOf({ status: 600 })).toBeUndefined();
    expect(httpStatusOf({ status: 429.5 })).toBeUndefined();
    expect(httpStatusOf({ status: 'failed', statusCode: 500 })).toBe(500);
    expect(httpStatusOf(null)).toBeUndefined();
    expect(httpStatusOf(undefined)).toBeUndefined();
    expect(httpStatusOf('HTTP 500')).toBeUndefined();
  });

  it('never throws, even on getters that do', () => {
    const hostile = {
      get status(): number {
        throw new Error('boom');
      },
    };
    expect(httpStatusOf(hostile)).toBeUndefined();
    const proxy = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
      },
    );
    expect(httpStatusOf(proxy)).toBeUndefined();
    expect(retryAfterOf(proxy, now)).toBeUndefined();
  });
});

describe('retryAfterOf', () => {
  it('reads RetryableError.retryAfterMs', () => {
    expect(retryAfterOf(new RetryableError('busy', { retryAfter: '5s' }), now)).toBe(5000);
    expect(retryAfterOf(new RetryableError('busy'), now)).toBeUndefined();
  });

  it('reads delta-seconds from headers in a plain record, any key casing', () => {
    expect(retryAfterOf(httpError(429, { headers: { 'Retry-After': '2' } }), now)).toBe(2000);
    expect(retryAfterOf(httpError(503, { headers: { 'retry-after': ' 120 ' } }), now)).toBe(120_000);
    expect(retryAfterOf(httpError(429, { headers: { 'retry-after': ['3', '9'] } }), now)).toBe(3000);
    expect(retryAfterOf(httpError(429, { headers: { 'retry-after': 4 } }), now)).toBe(4000);
  });

  it('reads WHATWG Headers, AI SDK responseHeaders and response.headers', () => {
    expect(retryAfterOf(httpError(429, { headers: new Headers({ 'Retry-After': '7' }) }), now)).toBe(7000);
    expect(
      retryAfterOf(
        Object.assign(new Error('APICallError'), { statusCode: 429, responseHeaders: { 'retry-after': '1' } }),
        now,
      ),
    ).toBe(1000);
    expect(retryAfterOf({ response: { status: 503, headers: new Headers({ 'retry-after': '10' }) } }, now)).toBe(
      10_000,
    );
  });

  it('reads an HTTP-date relative to now, a past date meaning no wait', () => {
    const in90s = new Date(now + 90_000).toUTCString();
    expect(retryAfterOf(httpError(429, { headers: { 'retry-after': in90s } }), now)).toBe(90_000);
    const past = new Date(now - 90_000).toUTCString();
    expect(retryAfterOf(httpError(503, { headers: { 'retry-after': past } }), now)).toBe(0);
  });

  it('prefers a retry-after-ms header', () => {
    const error = httpError(429, { responseHeaders: { 'retry-after-ms': '1500.5', 'retry-after': '2' } });
    expect(retryAfterOf(error, now)).toBe(1501);
  });

  it('listens to Retry-After only on 429 and 503', () => {
    expect(retryAfterOf(httpError(500, { headers: { 'retry-after': '2' } }), now)).toBeUndefined();
    expect(retryAfterOf(httpError(404, { headers: { 'retry-after': '2' } }), now)).toBeUndefined();
    expect(retryAfterOf({ headers: { 'retry-after': '2' } }, now)).toBeUndefined();
  });

  it.each(['', 'soon', '-1', '1.5.2', '0x10', 'Tuesday', '9'.repeat(400)])('reads garbage %j as nothing', (value) => {
    expect(retryAfterOf(httpError(429, { headers: { 'retry-after': value } }), now)).toBeUndefined();
  });

  it('never throws on odd header containers', () => {
    const throwingGet = {
      get(): string {
        throw new Error('boom');
      },
    };
    expect(retryAfterOf(httpError(429, { headers: throwingGet }), now)).toBeUndefined();
    expect(retryAfterOf(httpError(429, { headers: 'retry-after: 2' }), now)).toBeUndefined();
    expect(retryAfterOf(httpError(429, { headers: null }), now)).toBeUndefined();
    expect(retryAfterOf(httpError(429, { headers: { get: () => 42 } }), now)).toBeUndefined();
    expect(retryAfterOf(null, now)).toBeUndefined();
    expect(retryAfterOf('429', now)).toBeUndefined();
  });
});
