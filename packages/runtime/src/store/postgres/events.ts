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
import type { PgConnection } from './connection.js';

export class PgEventStore implements EventStore {
  constructor(
    private readonly conn: PgConnection,
    private readonly channel: string,
  ) {}

  /**
   * One statement: release the key of an event that held it past the retention, then insert, or
   * nothing if the dedupe key or the id is taken; then read what is there. A concurrent append
   * with the same key waits on the unique index (or on the expired holder's row lock) until the
   * first commits, so its read finds the committed row: one row, whoever wins. DO NOTHING on any
   * uniqueness (not only the key) because a statement sent again after a lost connection meets
   * its own id (and releases nothing: the key's holder is then its own fresh event); it then
   * answers `created: false`, as for any append that did not insert.
   */
  async append(event: NewEvent): Promise<{ event: EventRecord; created: boolean }> {
    const { id, name, payload, payloadHash, dedupeKey, source, principal, receivedAt } = event;
    // The insert reads `released` so the release runs first (see PgRunStore.create).
    const [inserted] = await this.conn.query<EventRow>(
      `WITH released AS (
         UPDATE events SET dedupe_key = NULL
         WHERE $5::text IS NOT NULL AND dedupe_key = $5::text AND received_at < $8::bigint - $9::bigint
         RETURNING id
       )
       INSERT INTO events (id, name, payload, payload_hash, dedupe_key, source, principal, received_at)
       SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::bigint
       FROM (SELECT count(*) FROM released) AS release_first
       ON CONFLICT DO NOTHING
       RETURNING ${EVENT_COLUMNS}`,
      [id, name, payload, payloadHash, dedupeKey, source, principal, receivedAt, event.dedupeRetentionMs],
    );
    if (inserted) return { event: toEventRecord(inserted), created: true };
    const [existing] = await this.conn.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE dedupe_key = $2 OR id = $1 ORDER BY id = $1 LIMIT 1`,
      [id, dedupeKey],
    );
    return toDuplicate(event, existing);
  }

  async get(id: string): Promise<EventRecord | null> {
    const [row] = await this.conn.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = $1`, [id]);
    return row ? toEventRecord(row) : null;
  }

  async list(filter: EventFilter): Promise<EventRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (condition: string, value: unknown): void => {
      params.push(value);
      where.push(condition.replace('?', `$${params.length}`));
    };
    if (filter.name !== undefined) add('name = ?', filter.name);
    if (filter.before !== undefined) add('id < ?', filter.before);
    params.push(filter.limit);
    const rows = await this.conn.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toEventRecord);
  }

  async candidates(name: string, since: number, limit: number): Promise<EventRecord[]> {
    const rows = await this.conn.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE name = $1 AND received_at >= $2 ORDER BY received_at, id LIMIT $3`,
      [name, since, limit],
    );
    return rows.map(toEventRecord);
  }

  async undispatched(limit: number): Promise<EventRecord[]> {
    const rows = await this.conn.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE dispatched_at IS NULL ORDER BY received_at, id LIMIT $1`,
      [limit],
    );
    return rows.map(toEventRecord);
  }

  /**
   * One statement: mark the event (keeping the first dispatch time) and record a `started`
   * delivery per run, skipping those already recorded, so it can be sent again whole.
   */
  async markDispatched(id: string, runIds: readonly string[], now: number): Promise<void> {
    const [result] = await this.conn.query<{ marked: number }>(
      `WITH marked AS (
         UPDATE events SET dispatched_at = COALESCE(dispatched_at, $2) WHERE id = $1 RETURNING id
       ), started AS (
         INSERT INTO event_deliveries (event_id, run_id, kind, seq, at)
         SELECT $1, r.run_id, 'started', NULL::int, $2 FROM unnest($3::text[]) AS r(run_id)
         WHERE EXISTS (SELECT 1 FROM marked)
         ON CONFLICT (event_id, run_id, kind) DO NOTHING
       )
       SELECT count(*)::int AS marked FROM marked`,
      [id, now, runIds],
    );
    if (!result || result.marked === 0) throw new NotFoundError('event_not_found', `No event ${id}`);
  }

  async waitsFor(name: string): Promise<EventWait[]> {
    const rows = await this.conn.query<EventWaitRow>(
      `SELECT ${WAIT_COLUMNS} FROM event_waits WHERE name = $1 ORDER BY since, run_id, seq`,
      [name],
    );
    return rows.map(toEventWait);
  }

  async receivedBy(runId: string): Promise<string[]> {
    const rows = await this.conn.query<{ event_id: string }>(
      `SELECT event_id FROM event_deliveries WHERE run_id = $1 AND kind = 'received' ORDER BY seq, event_id`,
      [runId],
    );
    return rows.map((row) => row.event_id);
  }

  /**
   * One statement: make the runs still parked on their waits claimable (a leased run's worker
   * finds the event on its own), and wake idle workers when that commits.
   */
  async wake(runIds: readonly string[], now: number): Promise<number> {
    if (runIds.length === 0) return 0;
    const [result] = await this.conn.query<{ woken: number }>(
      `WITH woken_runs AS (
         UPDATE runs SET status = 'queued', ready_at = $2, updated_at = $2
         WHERE id = ANY($1::text[]) AND status = 'waiting' AND lease_owner IS NULL
         RETURNING id
       ), woken AS (SELECT pg_notify($3, '') FROM woken_runs)
       SELECT count(*)::int AS woken, (SELECT count(*) FROM woken) AS notified FROM woken_runs`,
      [runIds, now, this.channel],
    );
    return result?.woken ?? 0;
  }

  async deliveries(eventId: string): Promise<EventDelivery[]> {
    const rows = await this.conn.query<EventDeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM event_deliveries WHERE event_id = $1 ORDER BY at, run_id, kind`,
      [eventId],
    );
    return rows.map(toEventDelivery);
  }
}
