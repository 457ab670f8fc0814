import { OUTBOX_COLUMNS, toOutboxMessage, type OutboxRow } from '../outbox-rows.js';
import type { OutboxMessage, OutboxStore } from '../outbox-store.js';
import type { PgConnection } from './connection.js';

export class PgOutboxStore implements OutboxStore {
  constructor(private readonly conn: PgConnection) {}

  /**
   * One statement: due messages are locked with SKIP LOCKED, so two processes claiming at once
   * take different messages, and hidden until the lease passes by moving their next attempt.
   */
  async claimDue(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    if (limit <= 0) return [];
    const rows = await this.conn.query<OutboxRow & { due_at: number }>(
      `WITH due AS (
         SELECT id, next_attempt_at FROM outbox WHERE next_attempt_at <= $1
         ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE outbox o SET next_attempt_at = $3, attempts = o.attempts + 1
       FROM due WHERE o.id = due.id
       RETURNING ${OUTBOX_COLUMNS.split(', ')
         .map((column) => `o.${column}`)
         .join(', ')}, due.next_attempt_at AS due_at`,
      [now, limit, now + leaseMs],
    );
    // RETURNING follows no order: put them back in the order they fell due.
    rows.sort((a, b) => a.due_at - b.due_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return rows.map(toOutboxMessage);
  }

  async delivered(id: string, now: number): Promise<void> {
    await this.conn.query('UPDATE outbox SET next_attempt_at = NULL, delivered_at = $2 WHERE id = $1', [id, now]);
  }

  async failed(id: string, error: string, retryAt: number | null, _now: number): Promise<void> {
    await this.conn.query(
      'UPDATE outbox SET last_error = $2, next_attempt_at = $3 WHERE id = $1 AND delivered_at IS NULL',
      [id, error, retryAt],
    );
  }
}
