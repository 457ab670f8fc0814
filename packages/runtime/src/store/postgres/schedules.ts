import { ConflictError } from '../../core/errors.js';
import {
  INSERT_COLUMNS,
  SCHEDULE_COLUMNS,
  UPSERT_DECLARED_SET,
  BUFFERED_SLOT_READY,
  insertValues,
  toScheduleRecord,
  type ScheduleRow,
} from '../schedule-rows.js';
import type {
  NewSchedule,
  ScheduleClaimRequest,
  ScheduleFilter,
  ScheduleOrigin,
  ScheduleRecord,
  ScheduleRelease,
  ScheduleStore,
} from '../schedule-store.js';
import type { PgConnection } from './connection.js';

const PLACEHOLDERS = INSERT_COLUMNS.split(', ')
  .map((_, i) => `$${i + 1}`)
  .join(', ');
const SELECT_BY_ID = `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE id = $1`;
const prefixed = (alias: string): string =>
  SCHEDULE_COLUMNS.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ');

/**
 * The row after a conditional update of schedule `$1`: the updated row if `changed` updated it,
 * else the row as it stood (the statement's snapshot, which the update did not touch).
 */
const changedOrCurrent = (update: string): string =>
  `WITH changed AS (${update} RETURNING ${SCHEDULE_COLUMNS})
   SELECT ${SCHEDULE_COLUMNS} FROM changed
   UNION ALL SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM changed)`;

export class PgScheduleStore implements ScheduleStore {
  constructor(private readonly conn: PgConnection) {}

  async create(schedule: NewSchedule): Promise<ScheduleRecord> {
    const [row] = await this.conn.query<ScheduleRow>(
      `INSERT INTO schedules (${INSERT_COLUMNS}) VALUES (${PLACEHOLDERS})
       ON CONFLICT (id) DO NOTHING RETURNING ${SCHEDULE_COLUMNS}`,
      insertValues(schedule),
    );
    if (!row) {
      throw new ConflictError('schedule_exists', `A schedule with id ${JSON.stringify(schedule.id)} already exists`, {
        path: 'id',
      });
    }
    return toScheduleRecord(row);
  }

  /**
   * One write: a concurrent upsert of the same declaration (every scheduler process syncs on
   * start) waits on the row lock, then finds it unchanged. The read after it only answers.
   */
  async upsertDeclared(schedule: NewSchedule): Promise<{ schedule: ScheduleRecord; changed: boolean }> {
    const [row] = await this.conn.query<ScheduleRow>(
      `INSERT INTO schedules (${INSERT_COLUMNS}) VALUES (${PLACEHOLDERS})
       ON CONFLICT (id) DO UPDATE SET ${UPSERT_DECLARED_SET} RETURNING ${SCHEDULE_COLUMNS}`,
      insertValues(schedule),
    );
    if (row) return { schedule: toScheduleRecord(row), changed: true };
    return { schedule: (await this.get(schedule.id))!, changed: false };
  }

  async get(id: string): Promise<ScheduleRecord | null> {
    const [row] = await this.conn.query<ScheduleRow>(SELECT_BY_ID, [id]);
    return row ? toScheduleRecord(row) : null;
  }

  async list(filter: ScheduleFilter): Promise<ScheduleRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.workflow !== undefined) {
      params.push(filter.workflow);
      where.push(`workflow = $${params.length}`);
    }
    if (filter.before !== undefined) {
      params.push(filter.before.createdAt, filter.before.id);
      where.push(`(created_at, id) < ($${params.length - 1}::bigint, $${params.length}::text)`);
    }
    params.push(filter.limit);
    const rows = await this.conn.query<ScheduleRow>(
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toScheduleRecord);
  }

  async pause(id: string, now: number): Promise<ScheduleRecord | null> {
    const [row] = await this.conn.query<ScheduleRow>(
      changedOrCurrent(
        `UPDATE schedules SET paused = true, buffered_slot_at = NULL, claim_owner = NULL, claim_expires_at = NULL,
           updated_at = $2 WHERE id = $1 AND NOT paused`,
      ),
      [id, now],
    );
    return row ? toScheduleRecord(row) : null;
  }

  async resume(
    id: string,
    next: { nextSlotAt: number | null; nextFireAt: number | null },
    now: number,
  ): Promise<ScheduleRecord | null> {
    const [row] = await this.conn.query<ScheduleRow>(
      changedOrCurrent(
        `UPDATE schedules SET paused = false, next_slot_at = $2, next_fire_at = $3, buffered_slot_at = NULL,
           claim_owner = NULL, claim_expires_at = NULL, updated_at = $4 WHERE id = $1 AND paused`,
      ),
      [id, next.nextSlotAt, next.nextFireAt, now],
    );
    return row ? toScheduleRecord(row) : null;
  }

  async remove(id: string, origin: ScheduleOrigin): Promise<boolean> {
    const rows = await this.conn.query('DELETE FROM schedules WHERE id = $1 AND origin = $2 RETURNING id', [
      id,
      origin,
    ]);
    return rows.length > 0;
  }

  /**
   * One statement: due schedules are locked with SKIP LOCKED, so schedulers claiming at once
   * take different ones; a schedule claimed and committed meanwhile fails the re-checked
   * condition. Hidden from the others until the claim expires.
   */
  async claimDue(request: ScheduleClaimRequest): Promise<ScheduleRecord[]> {
    const { owner, now, leaseMs, limit, workflows } = request;
    if (limit <= 0 || workflows.length === 0) return [];
    const rows = await this.conn.query<ScheduleRow>(
      `WITH due AS (
         SELECT id FROM schedules
         WHERE NOT paused AND (next_fire_at <= $1 OR (${BUFFERED_SLOT_READY}))
           AND (claim_owner IS NULL OR claim_expires_at <= $1) AND workflow = ANY($2::text[])
         ORDER BY next_fire_at NULLS LAST, id LIMIT $3 FOR UPDATE SKIP LOCKED
       )
       UPDATE schedules s SET claim_owner = $4, claim_expires_at = $5 FROM due WHERE s.id = due.id
       RETURNING ${prefixed('s')}`,
      [now, workflows, limit, owner, now + leaseMs],
    );
    // RETURNING follows no order: put them back in the order they fell due.
    rows.sort(
      (a, b) => (a.next_fire_at ?? Infinity) - (b.next_fire_at ?? Infinity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    return rows.map(toScheduleRecord);
  }

  async release(release: ScheduleRelease): Promise<boolean> {
    const { id, owner, now, nextSlotAt, nextFireAt, bufferedSlotAt, lastSlotAt, lastRunId } = release;
    const rows = await this.conn.query(
      `UPDATE schedules SET next_slot_at = $3, next_fire_at = $4, buffered_slot_at = $5, last_slot_at = $6,
         last_run_id = $7, claim_owner = NULL, claim_expires_at = NULL, updated_at = $8
       WHERE id = $1 AND claim_owner = $2 RETURNING id`,
      [id, owner, nextSlotAt, nextFireAt, bufferedSlotAt, lastSlotAt, lastRunId, now],
    );
    return rows.length > 0;
  }
}
