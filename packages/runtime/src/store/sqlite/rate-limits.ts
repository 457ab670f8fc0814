import { takeToken, type BucketShape, type TakeResult } from '../../core/resilience/token-bucket.js';
import type { RateLimitRecord, RateLimitStore } from '../rate-limit-store.js';
import type { SqliteConnection } from './connection.js';

const SELECT = 'SELECT key, tokens, updated_at FROM rate_limits WHERE key = ?';
const UPSERT = `INSERT INTO rate_limits (key, tokens, updated_at) VALUES (?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at`;

interface RateLimitRow {
  key: string;
  tokens: number;
  updated_at: number;
}

/**
 * Each take reads the bucket, applies `core/resilience/token-bucket.ts` and writes the result
 * inside one group-committed transaction: SQLite's write lock makes the read and the write one
 * step for every process on the file.
 */
export class SqliteRateLimitStore implements RateLimitStore {
  constructor(private readonly conn: SqliteConnection) {}

  take(key: string, shape: BucketShape, now: number): Promise<TakeResult> {
    return this.conn.batcher.run(() => {
      const row = this.conn.statement(SELECT).get(key) as RateLimitRow | undefined;
      const { state, result } = takeToken(row ? { tokens: row.tokens, updatedAt: row.updated_at } : null, shape, now);
      this.conn.statement(UPSERT).run(key, state.tokens, state.updatedAt);
      return result;
    });
  }

  get(key: string): Promise<RateLimitRecord | null> {
    const row = this.conn.statement(SELECT).get(key) as RateLimitRow | undefined;
    return Promise.resolve(row ? { key: row.key, tokens: row.tokens, updatedAt: row.updated_at } : null);
  }
}
