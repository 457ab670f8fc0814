import { ConflictError, NotFoundError } from '../../core/errors.js';
import { DEAD_LETTER_COLUMNS, toDeadLetterRecord, type DeadLetterRow } from '../dead-letter-rows.js';
import type { DeadLetterFilter, DeadLetterRecord, DeadLetterStore } from '../dead-letter-store.js';
import type { PgConnection } from './connection.js';

type MarkedRow = Partial<DeadLetterRow> & { found: boolean };

export class PgDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly conn: PgConnection,
    private readonly channel: string,
  ) {}

  async get(id: string): Promise<DeadLetterRecord | null> {
    const [row] = await this.conn.query<DeadLetterRow>(
      `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE id = $1`,
      [id],
    );
    return row ? toDeadLetterRecord(row) : null;
  }

  async list(filter: DeadLetterFilter): Promise<DeadLetterRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (condition: string, value: unknown): void => {
      params.push(value);
      where.push(condition.replace('?', `$${params.length}`));
    };
    if (!filter.includeReplayed) where.push('replayed_at IS NULL');
    if (filter.workflow !== undefined) add('workflow = ?', filter.workflow);
    if (filter.before !== undefined) add('id < ?', filter.before);
    params.push(filter.limit);
    const rows = await this.conn.query<DeadLetterRow>(
      `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(toDeadLetterRecord);
  }

  /**
   * One statement. The dead letter is locked first, so of two concurrent replays the second
   * waits, then finds it replayed and changes nothing; the run is requeued only if it is still
   * dead-lettered, and everything else happens only if it was.
   */
  async replay(
    id: string,
    request: { fromSeq: number; principal: string | null; now: number },
  ): Promise<DeadLetterRecord> {
    const [row] = await this.conn.query<MarkedRow>(
      `WITH letter AS (
         SELECT run_id FROM dead_letters WHERE id = $1 AND replayed_at IS NULL FOR UPDATE
       ), requeued AS (
         UPDATE runs SET status = 'queued', ready_at = $3, error = NULL, output = NULL, summary = NULL,
           finished_at = NULL, updated_at = $3, flow_state = CASE WHEN flow_state = 2 THEN 1 ELSE flow_state END
         WHERE id = (SELECT run_id FROM letter) AND status = 'dead_lettered'
         RETURNING id
       ), steps_deleted AS (
         DELETE FROM steps WHERE run_id = (SELECT id FROM requeued) AND seq >= $2
       ), attempts_deleted AS (
         DELETE FROM step_attempts WHERE run_id = (SELECT id FROM requeued) AND seq >= $2
       ), marked AS (
         UPDATE dead_letters SET replayed_at = $3, replay_run_id = run_id, replayed_by = $4
         WHERE id = $1 AND EXISTS (SELECT 1 FROM requeued)
         RETURNING ${DEAD_LETTER_COLUMNS}
       ), woken AS (SELECT pg_notify($5, '') FROM requeued)
       SELECT marked.*, (SELECT count(*) FROM woken) AS notified,
         EXISTS (SELECT 1 FROM dead_letters WHERE id = $1) AS found
       FROM (SELECT 1) AS one LEFT JOIN marked ON true`,
      [id, request.fromSeq, request.now, request.principal, this.channel],
    );
    return this.marked(id, row);
  }

  async markReplayed(
    id: string,
    request: { runId: string; principal: string | null; now: number },
  ): Promise<DeadLetterRecord> {
    const [row] = await this.conn.query<MarkedRow>(
      `WITH marked AS (
         UPDATE dead_letters SET replayed_at = $3, replay_run_id = $2, replayed_by = $4
         WHERE id = $1 AND replayed_at IS NULL
         RETURNING ${DEAD_LETTER_COLUMNS}
       )
       SELECT marked.*, EXISTS (SELECT 1 FROM dead_letters WHERE id = $1) AS found
       FROM (SELECT 1) AS one LEFT JOIN marked ON true`,
      [id, request.runId, request.now, request.principal],
    );
    return this.marked(id, row);
  }

  private async marked(id: string, row: MarkedRow | undefined): Promise<DeadLetterRecord> {
    if (row?.id !== undefined && row.id !== null) return toDeadLetterRecord(row as DeadLetterRow);
    if (!row?.found) throw new NotFoundError('dead_letter_not_found', `No dead letter ${id}`);
    const letter = await this.get(id);
    throw new ConflictError(
      'dead_letter_replayed',
      letter?.replayedAt === null
        ? `Run ${letter.runId} of dead letter ${id} is no longer dead-lettered`
        : `Dead letter ${id} was already replayed by run ${letter?.replayRunId}`,
      { details: { deadLetterId: id, runId: letter?.runId, replayRunId: letter?.replayRunId } },
    );
  }
}
