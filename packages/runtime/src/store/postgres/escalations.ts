import { ConflictError, NotFoundError } from '../../core/errors.js';
import { ESCALATION_COLUMNS, toEscalationRecord, type EscalationRow } from '../escalation-rows.js';
import type { EscalationFilter, EscalationRecord, EscalationStore, Resolution } from '../escalation-store.js';
import type { PgConnection } from './connection.js';

export class PgEscalationStore implements EscalationStore {
  constructor(
    private readonly conn: PgConnection,
    private readonly channel: string,
  ) {}

  async get(id: string): Promise<EscalationRecord | null> {
    const [row] = await this.conn.query<EscalationRow>(`SELECT ${ESCALATION_COLUMNS} FROM escalations WHERE id = $1`, [
      id,
    ]);
    return row ? toEscalationRecord(row) : null;
  }

  async list(filter: EscalationFilter): Promise<EscalationRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (condition: string, value: unknown): void => {
      params.push(value);
      where.push(condition.replace('?', `$${params.length}`));
    };
    if (filter.status !== undefined) add('status = ?', filter.status);
    if (filter.runId !== undefined) add('run_id = ?', filter.runId);
    if (filter.assignee !== undefined) add('assignee = ?', filter.assignee);
    if (filter.before !== undefined) add('id < ?', filter.before);
    params.push(filter.limit);
    const rows = await this.conn.query<EscalationRow>(
      `SELECT ${ESCALATION_COLUMNS} FROM escalations ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toEscalationRecord);
  }

  /**
   * One statement: resolve the escalation if it is still open (the row lock of the UPDATE makes
   * a concurrent second resolution find it resolved), make a run parked on it claimable, and
   * wake idle workers when that commits. Sent again after a lost connection, a resolution that
   * did commit reports `escalation_not_open`.
   */
  async resolve(id: string, resolution: Resolution): Promise<EscalationRecord> {
    const { decision, value, resolvedBy, note, timedOut, now } = resolution;
    const [row] = await this.conn.query<Partial<EscalationRow> & { previous: string | null }>(
      `WITH resolved AS (
         UPDATE escalations SET status = $2, decision = $3, value = $4, resolved_by = $5, note = $6, resolved_at = $7
         WHERE id = $1 AND status = 'open'
         RETURNING ${ESCALATION_COLUMNS}
       ), woken_run AS (
         UPDATE runs SET status = 'queued', ready_at = $7, updated_at = $7
         WHERE id = (SELECT run_id FROM resolved WHERE blocking) AND status = 'waiting' AND lease_owner IS NULL
         RETURNING id
       ), woken AS (SELECT pg_notify($8, '') FROM woken_run)
       SELECT resolved.*, (SELECT count(*) FROM woken) AS notified,
         (SELECT status FROM escalations WHERE id = $1) AS previous
       FROM (SELECT 1) AS one LEFT JOIN resolved ON true`,
      [id, timedOut ? 'timed_out' : 'resolved', decision, value, resolvedBy, note, now, this.channel],
    );
    if (row?.id !== undefined && row.id !== null) return toEscalationRecord(row as EscalationRow);
    if (!row?.previous) throw new NotFoundError('escalation_not_found', `No escalation ${id}`);
    // `previous` is read from the statement's snapshot: 'open' when another resolution won meanwhile.
    const status = row.previous === 'open' ? 'resolved' : row.previous;
    throw new ConflictError('escalation_not_open', `Escalation ${id} is ${status}, not open`, {
      details: { escalationId: id, status },
    });
  }
}
