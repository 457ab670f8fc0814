import type { BucketShape, BucketState, TakeResult } from '../core/resilience/token-bucket.js';

/** A token bucket as stored: one row per key (a tool and the value of its limit's scope). */
export interface RateLimitRecord extends BucketState {
  key: string;
}

/**
 * The rate-limit aggregate: token buckets shared by every worker on the database, for the tool
 * access policy's `rateLimits`. Each take refills the bucket to `now`, takes one token if there
 * is one, and writes the result atomically, so concurrent takes from any number of connections
 * never hand out more tokens than the bucket had.
 */
export interface RateLimitStore {
  /**
   * Takes one token from the bucket `key` (a missing bucket is full), shaped by `shape`.
   * `{ ok: false, retryAt }` says when the next token will be there; nothing was taken.
   */
  take(key: string, shape: BucketShape, now: number): Promise<TakeResult>;
  get(key: string): Promise<RateLimitRecord | null>;
}
