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
import type { SqliteConnection } from './connection.js';

const PLACEHOLDERS = INSERT_COLUMNS.split(', ')
  .map(() => '?')
  .join(', ');
const INSERT = `INSERT INTO schedules (${INSERT_COLUMNS}) VALUES (${PLACEHOLDERS})
  ON CONFLICT (id) DO NOTHING RETURNING ${SCHEDULE_COLUMNS}`;
const UPSERT_DECLARED = `INSERT INTO schedules (${INSERT_COLUMNS}) VALUES (${PLACEHOLDERS})
  ON CONFLICT (id) DO UPDATE SET ${UPSERT_DECLARED_SET} RETURNING ${SCHEDULE_COLUMNS}`;
const SELECT_BY_ID = `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE id = ?`;
const PAUSE = `UPDATE schedules SET paused = 1, buffered_slot_at = NULL, claim_owner = NULL, claim_expires_at = NULL,
  updated_at = ? WHERE id = ? AND paused = 0`;
const RESUME = `UPDATE schedules SET paused = 0, next_slot_at = ?, next_fire_at = ?, buffered_slot_at = NULL,
  claim_owner = NULL, claim_expires_at = NULL, updated_at = ? WHERE id = ? AND paused = 1`;
const REMOVE = 'DELETE FROM schedules WHERE id = ? AND origin = ?';
const RELEASE = `UPDATE schedules SET next_slot_at = ?, next_fire_at = ?, buffered_slot_at = ?, last_slot_at = ?,
  last_run_id = ?, claim_owner = NULL, claim_expires_at = NULL, updated_at = ? WHERE id = ? AND claim_owner = ?`;
const CLAIM = `UPDATE schedules SET claim_owner = ?, claim_expires_at = ? WHERE id = ? RETURNING ${SCHEDULE_COLUMNS}`;

/** Due schedules of the given workflows; the text depends only on how many there are. */
const selectDue = (workflows: number): string =>
  `SELECT id FROM schedules WHERE paused = 0 AND (next_fire_at <= ? OR (${BUFFERED_SLOT_READY}))
   AND (claim_owner IS NULL OR claim_expires_at <= ?) AND workflow IN (${Array(workflows).fill('?').join(', ')})
   ORDER BY next_fire_at NULLS LAST, id LIMIT ?`;

export class SqliteScheduleStore implements ScheduleStore {
  constructor(private readonly conn: SqliteConnection) {}

  create(schedule: NewSchedule): Promise<ScheduleRecord> {
    return this.conn.batcher.run(() => {
      const row = this.conn.statement(INSERT).get(...insertValues(schedule)) as ScheduleRow | undefined;
      if (!row) {
        throw new ConflictError('schedule_exists', `A schedule with id ${JSON.stringify(schedule.id)} already exists`, {
          path: 'id',
        });
      }
      return toScheduleRecord(row);
    });
  }

  upsertDeclared(schedule: NewSchedule): Promise<{ schedule: ScheduleRecord; changed: boolean }> {
    return this.conn.batcher.run(() => {
      const row = this.conn.statement(UPSERT_DECLARED).get(...insertValues(schedule)) as ScheduleRow | undefined;
      if (row) return { schedule: toScheduleRecord(row), changed: true };
      return { schedule: this.select(schedule.id)!, changed: false };
    });
  }

  get(id: string): Promise<ScheduleRecord | null> {
    return Promise.resolve(this.select(id));
  }

  list(filter: ScheduleFilter): Promise<ScheduleRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.workflow !== undefined) {
      where.push('workflow = ?');
      params.push(filter.workflow);
    }
    if (filter.before !== undefined) {
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(filter.before.createdAt, filter.before.createdAt, filter.before.id);
    }
    const sql =
      `SELECT ${SCHEDULE_COLUMNS} FROM schedules ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY created_at DESC, id DESC LIMIT ?';
    const rows = this.conn.statement(sql).all(...params, filter.limit) as ScheduleRow[];
    return Promise.resolve(rows.map(toScheduleRecord));
  }

  pause(id: string, now: number): Promise<ScheduleRecord | null> {
    return this.conn.batcher.run(() => {
      this.conn.statement(PAUSE).run(now, id);
      return this.select(id);
    });
  }

  resume(
    id: string,
    next: { nextSlotAt: number | null; nextFireAt: number | null },
    now: number,
  ): Promise<ScheduleRecord | null> {
    return this.conn.batcher.run(() => {
      this.conn.statement(RESUME).run(next.nextSlotAt, next.nextFireAt, now, id);
      return this.select(id);
    });
  }

  remove(id: string, origin: ScheduleOrigin): Promise<boolean> {
    return this.conn.batcher.run(() => this.conn.statement(REMOVE).run(id, origin).changes > 0);
  }

  /**
   * A read first, outside any transaction: most ticks find nothing due, and then take no write
   * lock. The claim itself reads again and updates inside one transaction.
   */
  async claimDue(request: ScheduleClaimRequest): Promise<ScheduleRecord[]> {
    const { owner, now, leaseMs, limit, workflows } = request;
    if (limit <= 0 || workflows.length === 0) return [];
    const select = this.conn.statement(selectDue(workflows.length));
    if (select.all(now, now, ...workflows, 1).length === 0) return [];
    return this.conn.batcher.run(() => {
      const due = select.all(now, now, ...workflows, limit) as Array<{ id: string }>;
      const claim = this.conn.statement(CLAIM);
      return due.map(({ id }) => toScheduleRecord(claim.get(owner, now + leaseMs, id) as ScheduleRow));
    });
  }

  release(release: ScheduleRelease): Promise<boolean> {
    const { id, owner, now, nextSlotAt, nextFireAt, bufferedSlotAt, lastSlotAt, lastRunId } = release;
    return this.conn.batcher.run(
      () =>
        this.conn.statement(RELEASE).run(nextSlotAt, nextFireAt, bufferedSlotAt, lastSlotAt, lastRunId, now, id, owner)
          .changes > 0,
    );
  }

  private select(id: string): ScheduleRecord | null {
    const row = this.conn.statement(SELECT_BY_ID).get(id) as ScheduleRow | undefined;
    return row ? toScheduleRecord(row) : null;
  }
}
