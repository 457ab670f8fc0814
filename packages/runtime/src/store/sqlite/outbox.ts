import { OUTBOX_COLUMNS, toOutboxMessage, type OutboxRow } from '../outbox-rows.js';
import type { OutboxMessage, OutboxStore } from '../outbox-store.js';
import type { SqliteConnection } from './connection.js';

const SELECT_DUE = 'SELECT id FROM outbox WHERE next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?';
const CLAIM = `UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1 WHERE id = ? RETURNING ${OUTBOX_COLUMNS}`;
const DELIVERED = 'UPDATE outbox SET next_attempt_at = NULL, delivered_at = ? WHERE id = ?';
const FAILED = 'UPDATE outbox SET last_error = ?, next_attempt_at = ? WHERE id = ? AND delivered_at IS NULL';

export class SqliteOutboxStore implements OutboxStore {
  constructor(private readonly conn: SqliteConnection) {}

  claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.conn.batcher.run(() => {
      const due = this.conn.statement(SELECT_DUE).all(now, limit) as Array<{ id: string }>;
      const claim = this.conn.statement(CLAIM);
      return due.map(({ id }) => toOutboxMessage(claim.get(now + leaseMs, id) as OutboxRow));
    });
  }

  async delivered(id: string, now: number): Promise<void> {
    await this.conn.batcher.run(() => this.conn.statement(DELIVERED).run(now, id));
  }

  async failed(id: string, error: string, retryAt: number | null, _now: number): Promise<void> {
    await this.conn.batcher.run(() => this.conn.statement(FAILED).run(error, retryAt, id));
  }
}
