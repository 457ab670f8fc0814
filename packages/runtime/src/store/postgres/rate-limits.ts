import type { BucketShape, TakeResult } from '../../core/resilience/token-bucket.js';
import type { RateLimitRecord, RateLimitStore } from '../rate-limit-store.js';
import type { PgConnection } from './connection.js';

// The tokens the bucket holds at $2 (now): refilled at $4 per ms up to $3 (capacity). Time
// running backwards refills nothing. The same arithmetic as core/resilience/token-bucket.ts.
const REFILLED =
  'LEAST($3::float8, rate_limits.tokens + GREATEST(0, $2::bigint - rate_limits.updated_at) * $4::float8)';
/**
 * One statement: a new bucket starts full and gives its first token; an existing one is locked
 * by the upsert, refilled and taken from in place, and `granted` reports whether it had a token.
 */
const TAKE = `INSERT INTO rate_limits (key, tokens, updated_at, granted) VALUES ($1, $3::float8 - 1, $2, true)
  ON CONFLICT (key) DO UPDATE SET
    tokens = CASE WHEN ${REFILLED} >= 1 THEN ${REFILLED} - 1 ELSE ${REFILLED} END,
    granted = ${REFILLED} >= 1,
    updated_at = GREATEST(rate_limits.updated_at, $2::bigint)
  RETURNING tokens, updated_at, granted`;

/**
 * Takes are one upsert each: PostgreSQL locks the row for the `DO UPDATE`, so concurrent takes
 * on one bucket from any number of connections queue on it and each sees the last one's tokens.
 * A take resent after a dropped connection may take a second token: the limit errs on the side
 * of fewer calls, never more.
 */
export class PgRateLimitStore implements RateLimitStore {
  constructor(private readonly conn: PgConnection) {}

  async take(key: string, shape: BucketShape, now: number): Promise<TakeResult> {
    const [row] = await this.conn.query<{ tokens: number; updated_at: number; granted: boolean }>(TAKE, [
      key,
      now,
      shape.capacity,
      shape.refillPerMs,
    ]);
    if (row!.granted) return { ok: true };
    return { ok: false, retryAt: row!.updated_at + Math.ceil((1 - row!.tokens) / shape.refillPerMs) };
  }

  async get(key: string): Promise<RateLimitRecord | null> {
    const [row] = await this.conn.query<{ key: string; tokens: number; updated_at: number }>(
      'SELECT key, tokens, updated_at FROM rate_limits WHERE key = $1',
      [key],
    );
    return row ? { key: row.key, tokens: row.tokens, updatedAt: row.updated_at } : null;
  }
}
