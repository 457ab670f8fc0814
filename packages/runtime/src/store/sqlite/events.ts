import { NotFoundError } from '../../core/errors.js';
import {
  DELIVERY_COLUMNS,
  EVENT_COLUMNS,
  WAIT_COLUMNS,
  toDuplicate,
  toEventDelivery,
  toEventRecord,
  toEventWait,
  type EventDeliveryRow,
  type EventRow,
  type EventWaitRow,
} from '../event-rows.js';
import type { EventDelivery, EventFilter, EventRecord, EventStore, EventWait, NewEvent } from '../event-store.js';
import type { SqliteConnection } from './connection.js';

// DO NOTHING on any uniqueness: the dedupe key taken, or the id. What is there decides the answer.
const INSERT = `INSERT INTO events (id, name, payload, payload_hash, dedupe_key, source, principal, received_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING ${EVENT_COLUMNS}`;
// An event holding the key past the retention keeps everything but the key, which goes to the new one.
const RELEASE_EXPIRED_KEY = 'UPDATE events SET dedupe_key = NULL WHERE dedupe_key = ? AND received_at < ?';
const SELECT_DUPLICATE = `SELECT ${EVENT_COLUMNS} FROM events WHERE dedupe_key = ? OR id = ? ORDER BY id = ? LIMIT 1`;
const SELECT_BY_ID = `SELECT ${EVENT_COLUMNS} FROM events WHERE id = ?`;
const SELECT_CANDIDATES = `SELECT ${EVENT_COLUMNS} FROM events WHERE name = ? AND received_at >= ?
  ORDER BY received_at, id LIMIT ?`;
const SELECT_UNDISPATCHED = `SELECT ${EVENT_COLUMNS} FROM events WHERE dispatched_at IS NULL
  ORDER BY received_at, id LIMIT ?`;
// The first dispatch time stays: marking again only adds the deliveries not yet recorded.
const MARK_DISPATCHED = 'UPDATE events SET dispatched_at = coalesce(dispatched_at, ?) WHERE id = ?';
const INSERT_STARTED = `INSERT INTO event_deliveries (event_id, run_id, kind, seq, at) VALUES (?, ?, 'started', NULL, ?)
  ON CONFLICT (event_id, run_id, kind) DO NOTHING`;
const SELECT_WAITS = `SELECT ${WAIT_COLUMNS} FROM event_waits WHERE name = ? ORDER BY since, run_id, seq`;
const SELECT_RECEIVED = `SELECT event_id FROM event_deliveries WHERE run_id = ? AND kind = 'received' ORDER BY seq, event_id`;
// Only a run parked on its wait: a leased run's worker finds the event on its own.
const WAKE_RUN = `UPDATE runs SET status = 'queued', ready_at = ?, updated_at = ?
  WHERE id = ? AND status = 'waiting' AND lease_owner IS NULL`;
const SELECT_DELIVERIES = `SELECT ${DELIVERY_COLUMNS} FROM event_deliveries WHERE event_id = ? ORDER BY at, run_id, kind`;

export class SqliteEventStore implements EventStore {
  constructor(
    private readonly conn: SqliteConnection,
    private readonly notifyWorkAvailable: () => void,
  ) {}

  /**
   * The release of an expired key, the insert and the lookup of what stands in its way share one
   * transaction: no race between them.
   */
  append(event: NewEvent): Promise<{ event: EventRecord; created: boolean }> {
    return this.conn.batcher.run(() => {
      const { id, name, payload, payloadHash, dedupeKey, source, principal, receivedAt } = event;
      if (dedupeKey !== null) {
        this.conn.statement(RELEASE_EXPIRED_KEY).run(dedupeKey, receivedAt - event.dedupeRetentionMs);
      }
      const row = this.conn
        .statement(INSERT)
        .get(id, name, payload, payloadHash, dedupeKey, source, principal, receivedAt) as EventRow | undefined;
      if (row) return { event: toEventRecord(row), created: true };
      const existing = this.conn.statement(SELECT_DUPLICATE).get(dedupeKey, id, id) as EventRow | undefined;
      return toDuplicate(event, existing);
    });
  }

  get(id: string): Promise<EventRecord | null> {
    const row = this.conn.statement(SELECT_BY_ID).get(id) as EventRow | undefined;
    return Promise.resolve(row ? toEventRecord(row) : null);
  }

  list(filter: EventFilter): Promise<EventRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (condition: string, value: unknown): void => {
      where.push(condition);
      params.push(value);
    };
    if (filter.name !== undefined) add('name = ?', filter.name);
    if (filter.before !== undefined) add('id < ?', filter.before);
    const sql =
      `SELECT ${EVENT_COLUMNS} FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY id DESC LIMIT ?';
    const rows = this.conn.statement(sql).all(...params, filter.limit) as EventRow[];
    return Promise.resolve(rows.map(toEventRecord));
  }

  candidates(name: string, since: number, limit: number): Promise<EventRecord[]> {
    const rows = this.conn.statement(SELECT_CANDIDATES).all(name, since, limit) as EventRow[];
    return Promise.resolve(rows.map(toEventRecord));
  }

  undispatched(limit: number): Promise<EventRecord[]> {
    const rows = this.conn.statement(SELECT_UNDISPATCHED).all(limit) as EventRow[];
    return Promise.resolve(rows.map(toEventRecord));
  }

  markDispatched(id: string, runIds: readonly string[], now: number): Promise<void> {
    return this.conn.batcher.run(() => {
      if (this.conn.statement(MARK_DISPATCHED).run(now, id).changes === 0) {
        throw new NotFoundError('event_not_found', `No event ${id}`);
      }
      const insert = this.conn.statement(INSERT_STARTED);
      for (const runId of runIds) insert.run(id, runId, now);
    });
  }

  waitsFor(name: string): Promise<EventWait[]> {
    const rows = this.conn.statement(SELECT_WAITS).all(name) as EventWaitRow[];
    return Promise.resolve(rows.map(toEventWait));
  }

  receivedBy(runId: string): Promise<string[]> {
    const rows = this.conn.statement(SELECT_RECEIVED).all(runId) as Array<{ event_id: string }>;
    return Promise.resolve(rows.map((row) => row.event_id));
  }

  async wake(runIds: readonly string[], now: number): Promise<number> {
    if (runIds.length === 0) return 0;
    const woken = await this.conn.batcher.run(() => {
      const wake = this.conn.statement(WAKE_RUN);
      return runIds.reduce((count, runId) => count + wake.run(now, now, runId).changes, 0);
    });
    if (woken > 0) this.notifyWorkAvailable();
    return woken;
  }

  deliveries(eventId: string): Promise<EventDelivery[]> {
    const rows = this.conn.statement(SELECT_DELIVERIES).all(eventId) as EventDeliveryRow[];
    return Promise.resolve(rows.map(toEventDelivery));
  }
}
