/**
 * A token bucket as plain data, so the store can keep one per key and every worker takes from
 * the same one: it holds up to `capacity` tokens and refills evenly, `refillPerMs` per
 * millisecond; each call takes one. The store applies {@link takeToken} under its write lock.
 */

export interface BucketShape {
  /** The most tokens it holds (a burst); at least 1. */
  capacity: number;
  /** Tokens added per millisecond: `limit / periodMs`. */
  refillPerMs: number;
}

/** A bucket's state at `updatedAt`. */
export interface BucketState {
  tokens: number;
  updatedAt: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAt: number };

/**
 * Takes one token at `now` from `state` (null: a new, full bucket). Time running backwards (a
 * worker whose clock is behind) refills nothing rather than draining the bucket.
 */
export function takeToken(
  state: BucketState | null,
  shape: BucketShape,
  now: number,
): { state: BucketState; result: TakeResult } {
  const elapsed = state ? Math.max(0, now - state.updatedAt) : 0;
  const tokens = state ? Math.min(shape.capacity, state.tokens + elapsed * shape.refillPerMs) : shape.capacity;
  const updatedAt = state ? Math.max(state.updatedAt, now) : now;
  if (tokens >= 1) return { state: { tokens: tokens - 1, updatedAt }, result: { ok: true } };
  return {
    state: { tokens, updatedAt },
    result: { ok: false, retryAt: updatedAt + Math.ceil((1 - tokens) / shape.refillPerMs) },
  };
}
