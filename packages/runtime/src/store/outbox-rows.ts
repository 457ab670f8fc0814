import type { OutboxMessage } from './outbox-store.js';

/** A row of the `outbox` table, as both dialects return it. */
export interface OutboxRow {
  id: string;
  topic: string;
  payload: string;
  attempts: number;
  last_error: string | null;
  created_at: number;
}

export const OUTBOX_COLUMNS = 'id, topic, payload, attempts, last_error, created_at';

export function toOutboxMessage(row: OutboxRow): OutboxMessage {
  return {
    id: row.id,
    topic: row.topic,
    payload: row.payload,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at,
  };
}
