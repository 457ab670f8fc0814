import { isVigilError } from '../errors.js';
import { httpStatusOf, retryAfterOf } from './retry-after.js';
import type { RetryPolicy } from './retry-policy.js';

/** The longest wait a callee's Retry-After can impose; past this, it is probably garbage. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/** 4xx statuses that mean "try again later" rather than "your request is wrong". */
const RETRYABLE_CLIENT_STATUSES = new Set([408, 409, 425, 429]);

/**
 * The delay before the attempt after `failedAttempt` (1-based): exponential, capped at maxDelay,
 * with full jitter = random() * cap.
 *
 * @example
 * backoffDelay({ ...DEFAULT_TOOL_RETRY, jitter: 'none' }, 3, Math.random) // 4000
 */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number, random: () => number): number {
  const exponent = Math.max(0, Math.floor(failedAttempt) - 1);
  // factor ** exponent may overflow to Infinity; Math.min keeps the cap.
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** exponent);
  if (policy.jitter === 'none') return Math.round(cap);
  return Math.floor(unitInterval(random()) * cap);
}

/** What to do after a failed attempt, as decided by {@link decideRetry}. */
export type RetryDecision =
  | { retry: true; delayMs: number; reason: 'backoff' | 'retry_after' }
  | { retry: false; reason: 'non_retryable' | 'attempts_exhausted' };

/**
 * What to do after attempt `attempt` failed with `error`. `now` is for HTTP-date Retry-After values.
 *
 * Retryability is judged first, so a permanent failure reports `non_retryable` even on the last
 * attempt. A delay the callee asked for (RetryableError.retryAfterMs, a Retry-After header on a
 * 429 or 503) is honoured even past `maxDelay`, up to 24 hours.
 */
export function decideRetry(
  policy: RetryPolicy,
  attempt: number,
  error: unknown,
  now: number,
  random: () => number,
): RetryDecision {
  if (!isRetryable(error)) return { retry: false, reason: 'non_retryable' };
  if (attempt >= policy.attempts) return { retry: false, reason: 'attempts_exhausted' };
  const backoff = backoffDelay(policy, attempt, random);
  const retryAfter = retryAfterOf(error, now);
  if (retryAfter === undefined) return { retry: true, delayMs: backoff, reason: 'backoff' };
  return { retry: true, delayMs: Math.max(backoff, Math.min(retryAfter, MAX_RETRY_AFTER_MS)), reason: 'retry_after' };
}

/**
 * Vigil errors say for themselves; an HTTP 4xx means the request itself is wrong (except
 * timeouts, conflicts, too-early and rate limits); anything else is presumed transient.
 */
function isRetryable(error: unknown): boolean {
  if (isPermanentVigilError(error)) return false;
  const status = httpStatusOf(error);
  if (status !== undefined && status >= 400 && status < 500) return RETRYABLE_CLIENT_STATUSES.has(status);
  return true;
}

function isPermanentVigilError(error: unknown): boolean {
  try {
    return isVigilError(error) && error.retryable === false;
  } catch {
    // A thrown proxy whose getters throw is no Vigil error.
    return false;
  }
}

/** A random() result forced into [0, 1), so a misbehaving source cannot escape the cap. */
function unitInterval(value: number): number {
  if (!(value > 0)) return 0;
  return value >= 1 ? 1 - Number.EPSILON : value;
}
