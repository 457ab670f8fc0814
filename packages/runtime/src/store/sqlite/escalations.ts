import { ConflictError, NotFoundError } from '../../core/errors.js';
import { ESCALATION_COLUMNS, toEscalationRecord, type EscalationRow } from '../escalation-rows.js';
import type { EscalationFilter, EscalationRecord, EscalationStore, Resolution } from '../escalation-store.js';
import type { SqliteConnection } from './connection.js';

const SELECT_BY_ID = `SELECT ${ESCALATION_COLUMNS} FROM escalations WHERE id = ?`;
const RESOLVE = `UPDATE escalations SET status = ?, decision = ?, value = ?, resolved_by = ?, note = ?, resolved_at = ?
  WHERE id = ? AND status = 'open' RETURNING ${ESCALATION_COLUMNS}`;
// Only a run parked on the escalation: a leased run's worker sees the resolution on its own.
const WAKE_RUN = `UPDATE runs SET status = 'queued', ready_at = ?, updated_at = ?
  WHERE id = ? AND status = 'waiting' AND lease_owner IS NULL`;

export class SqliteEscalationStore implements EscalationStore {
  constructor(
    private readonly conn: SqliteConnection,
    private readonly notifyWorkAvailable: () => void,
  ) {}

  get(id: string): Promise<EscalationRecord | null> {
    const row = this.conn.statement(SELECT_BY_ID).get(id) as EscalationRow | undefined;
    return Promise.resolve(row ? toEscalationRecord(row) : null);
  }

  list(filter: EscalationFilter): Promise<EscalationRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (condition: string, value: unknown): void => {
      where.push(condition);
      params.push(value);
    };
    if (filter.status !== undefined) add('status = ?', filter.status);
    if (filter.runId !== undefined) add('run_id = ?', filter.runId);
    if (filter.assignee !== undefined) add('assignee = ?', filter.assignee);
    if (filter.before !== undefined) add('id < ?', filter.before);
    const sql =
      `SELECT ${ESCALATION_COLUMNS} FROM escalations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY id DESC LIMIT ?';
    const rows = this.conn.statement(sql).all(...params, filter.limit) as EscalationRow[];
    return Promise.resolve(rows.map(toEscalationRecord));
  }

  async resolve(id: string, resolution: Resolution): Promise<EscalationRecord> {
    const { record, woken } = await this.conn.batcher.run(() => {
      const { decision, value, resolvedBy, note, timedOut, now } = resolution;
      const row = this.conn
        .statement(RESOLVE)
        .get(timedOut ? 'timed_out' : 'resolved', decision, value, resolvedBy, note, now, id) as
        EscalationRow | undefined;
      if (!row) throw this.notOpen(id);
      const resolved = toEscalationRecord(row);
      const woken = resolved.blocking && this.conn.statement(WAKE_RUN).run(now, now, resolved.runId).changes > 0;
      return { record: resolved, woken };
    });
    if (woken) this.notifyWorkAvailable();
    return record;
  }

  private notOpen(id: string): Error {
    const existing = this.conn.statement(SELECT_BY_ID).get(id) as EscalationRow | undefined;
    if (!existing) return new NotFoundError('escalation_not_found', `No escalation ${id}`);
    return new ConflictError('escalation_not_open', `Escalation ${id} is ${existing.status}, not open`, {
      details: { escalationId: id, status: existing.status },
    });
  }
}
