import { isVigilError } from '../errors.js';

/**
 * Reading what a failed HTTP call said about retrying, from the error objects that HTTP
 * clients and SDKs throw. These readers see arbitrary thrown values, so they never throw: a
 * getter that throws, a proxy or a garbage header all read as "nothing said".
 */

/** The HTTP status an error reports, if any: `status`, `statusCode`, or `response.status` (numbers 100-599). */
export function httpStatusOf(error: unknown): number | undefined {
  try {
    if (!isObject(error)) return undefined;
    const response = error['response'];
    for (const candidate of [
      error['status'],
      error['statusCode'],
      isObject(response) ? response['status'] : undefined,
    ]) {
      if (typeof candidate === 'number' && Number.isInteger(candidate) && candidate >= 100 && candidate <= 599) {
        return candidate;
      }
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * Milliseconds the callee asked to wait: RetryableError.retryAfterMs, or a Retry-After header
 * (delta-seconds or HTTP-date, relative to `now`) on a 429 or 503 error. A `retry-after-ms`
 * header (sent by OpenAI-style APIs, more precise) is preferred when present.
 */
export function retryAfterOf(error: unknown, now: number): number | undefined {
  try {
    if (isVigilError(error)) {
      const ms = (error as { retryAfterMs?: unknown }).retryAfterMs;
      if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) return ms;
    }
    const status = httpStatusOf(error);
    if (status !== 429 && status !== 503) return undefined;
    const err = error as Record<string, unknown>;
    const response = err['response'];
    const sources = [err['headers'], err['responseHeaders'], isObject(response) ? response['headers'] : undefined];
    const precise = parseMilliseconds(headerIn(sources, 'retry-after-ms'));
    if (precise !== undefined) return precise;
    return parseRetryAfter(headerIn(sources, 'retry-after'), now);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

/** The first value of header `name` (lower case) in any of `sources`. */
function headerIn(sources: unknown[], name: string): string | undefined {
  for (const headers of sources) {
    const value = headerValue(headers, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (!isObject(headers)) return undefined;
  // A WHATWG Headers object (fetch): case-insensitive already.
  if (typeof headers['get'] === 'function') {
    const value: unknown = (headers as { get(name: string): unknown }).get(name);
    return typeof value === 'string' ? value : undefined;
  }
  // A plain record (Node's IncomingHttpHeaders, AI SDK's responseHeaders): any key casing.
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== name) continue;
    const value = headers[key];
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') return first;
    if (typeof first === 'number') return String(first);
  }
  return undefined;
}

const SECONDS = /^\d+(?:\.\d+)?$/;

/** Retry-After: delta-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`). */
function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (SECONDS.test(text)) return finiteMs(Number(text) * 1000);
  // Date.parse reads bare numbers such as "1.5" or "-1" as dates; an HTTP-date always names
  // its month and weekday, so demand letters.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function parseMilliseconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  return SECONDS.test(text) ? finiteMs(Number(text)) : undefined;
}

function finiteMs(ms: number): number | undefined {
  return Number.isFinite(ms) ? Math.ceil(ms) : undefined;
}
