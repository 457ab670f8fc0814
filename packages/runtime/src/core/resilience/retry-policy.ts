import type { Duration } from '../duration.js';
import { OptionReader } from './option-reader.js';

/** How a user asks for retries: every field optional, unset ones inherited. */
export interface RetryOptions {
  /** Total attempts including the first; `1` means no retry. */
  attempts?: number;
  /** The delay after the first failure, before jitter. */
  initialDelay?: Duration;
  /** Each further delay is the previous one times this. */
  factor?: number;
  /** No backoff delay exceeds this (a server's Retry-After may). */
  maxDelay?: Duration;
  /** `'full'`: a uniformly random delay up to the backoff, so retrying callers spread out. */
  jitter?: 'full' | 'none';
}

/** A validated retry policy; plain data, so it can be stored and compared. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
  readonly jitter: 'full' | 'none';
}

/** One attempt only. */
export const NO_RETRY: RetryPolicy = Object.freeze({
  attempts: 1,
  initialDelayMs: 1000,
  factor: 2,
  maxDelayMs: 60_000,
  jitter: 'full',
});

/** What a tool call gets unless it says otherwise: three attempts, 1 s then 2 s (jittered). */
export const DEFAULT_TOOL_RETRY: RetryPolicy = Object.freeze({
  attempts: 3,
  initialDelayMs: 1000,
  factor: 2,
  maxDelayMs: 60_000,
  jitter: 'full',
});

const KEYS = ['attempts', 'initialDelay', 'factor', 'maxDelay', 'jitter'] as const;
const JITTERS = ['full', 'none'] as const;

/**
 * Fills unset fields from `base`; throws InvalidArgumentError naming `where` (e.g.
 * `Tool insurance.check: retry.attempts`) and the field.
 *
 * @example
 * resolveRetryPolicy({ attempts: 5, maxDelay: '10s' }, DEFAULT_TOOL_RETRY, 'Tool insurance.check')
 * // { attempts: 5, initialDelayMs: 1000, factor: 2, maxDelayMs: 10000, jitter: 'full' }
 */
export function resolveRetryPolicy(options: RetryOptions | undefined, base: RetryPolicy, where: string): RetryPolicy {
  if (options === undefined) return base;
  const read = OptionReader.of(options, where, 'retry', KEYS);
  const policy: RetryPolicy = {
    attempts: read.positiveInteger('attempts') ?? base.attempts,
    initialDelayMs: read.duration('initialDelay') ?? base.initialDelayMs,
    factor: read.number('factor', (n) => n >= 1, 'a finite number of at least 1') ?? base.factor,
    maxDelayMs: read.duration('maxDelay') ?? base.maxDelayMs,
    jitter: read.choice('jitter', JITTERS) ?? base.jitter,
  };
  if (policy.maxDelayMs < policy.initialDelayMs) {
    const inherited = read.raw('maxDelay') === undefined ? ' (set retry.maxDelay as well)' : '';
    read.fail(
      'maxDelay',
      `(${policy.maxDelayMs} ms) must be at least retry.initialDelay (${policy.initialDelayMs} ms)${inherited}`,
    );
  }
  return Object.freeze(policy);
}
