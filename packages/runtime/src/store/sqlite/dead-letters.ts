import { ConflictError, NotFoundError } from '../../core/errors.js';
import { DEAD_LETTER_COLUMNS, toDeadLetterRecord, type DeadLetterRow } from '../dead-letter-rows.js';
import type { DeadLetterFilter, DeadLetterRecord, DeadLetterStore } from '../dead-letter-store.js';
import type { SqliteConnection } from './connection.js';

const SELECT_BY_ID = `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters WHERE id = ?`;
// A run under limits queues for a slot again, as a new run would: it had stopped counting.
const REQUEUE_RUN = `UPDATE runs SET status = 'queued', ready_at = ?, error = NULL, output = NULL, summary = NULL,
  finished_at = NULL, updated_at = ?, flow_state = CASE WHEN flow_state = 2 THEN 1 ELSE flow_state END
  WHERE id = ? AND status = 'dead_lettered'`;
const DELETE_STEPS = 'DELETE FROM steps WHERE run_id = ? AND seq >= ?';
const DELETE_ATTEMPTS = 'DELETE FROM step_attempts WHERE run_id = ? AND seq >= ?';
const MARK_REPLAYED = `UPDATE dead_letters SET replayed_at = ?, replay_run_id = ?, replayed_by = ?
  WHERE id = ? AND replayed_at IS NULL RETURNING ${DEAD_LETTER_COLUMNS}`;

export class SqliteDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly conn: SqliteConnection,
    private readonly notifyWorkAvailable: () => void,
  ) {}

  get(id: string): Promise<DeadLetterRecord | null> {
    return Promise.resolve(this.select(id));
  }

  list(filter: DeadLetterFilter): Promise<DeadLetterRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (!filter.includeReplayed) where.push('replayed_at IS NULL');
    if (filter.workflow !== undefined) {
      where.push('workflow = ?');
      params.push(filter.workflow);
    }
    if (filter.before !== undefined) {
      where.push('id < ?');
      params.push(filter.before);
    }
    const sql =
      `SELECT ${DEAD_LETTER_COLUMNS} FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY id DESC LIMIT ?';
    const rows = this.conn.statement(sql).all(...params, filter.limit) as DeadLetterRow[];
    return Promise.resolve(rows.map(toDeadLetterRecord));
  }

  async replay(
    id: string,
    request: { fromSeq: number; principal: string | null; now: number },
  ): Promise<DeadLetterRecord> {
    const { fromSeq, principal, now } = request;
    const record = await this.conn.batcher.run(() => {
      const letter = this.select(id);
      if (!letter) throw notFound(id);
      // Both checks come before any write: a refusal must leave the batch untouched.
      if (letter.replayedAt !== null) throw replayed(letter);
      if (this.conn.statement(REQUEUE_RUN).run(now, now, letter.runId).changes === 0) throw replayed(letter);
      this.conn.statement(DELETE_STEPS).run(letter.runId, fromSeq);
      this.conn.statement(DELETE_ATTEMPTS).run(letter.runId, fromSeq);
      return this.mark(id, letter.runId, principal, now);
    });
    this.notifyWorkAvailable();
    return record;
  }

  markReplayed(
    id: string,
    request: { runId: string; principal: string | null; now: number },
  ): Promise<DeadLetterRecord> {
    return this.conn.batcher.run(() => this.mark(id, request.runId, request.principal, request.now));
  }

  private mark(id: string, runId: string, principal: string | null, now: number): DeadLetterRecord {
    const row = this.conn.statement(MARK_REPLAYED).get(now, runId, principal, id) as DeadLetterRow | undefined;
    if (row) return toDeadLetterRecord(row);
    const letter = this.select(id);
    throw letter ? replayed(letter) : notFound(id);
  }

  private select(id: string): DeadLetterRecord | null {
    const row = this.conn.statement(SELECT_BY_ID).get(id) as DeadLetterRow | undefined;
    return row ? toDeadLetterRecord(row) : null;
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError('dead_letter_not_found', `No dead letter ${id}`);
}

function replayed(letter: DeadLetterRecord): ConflictError {
  return new ConflictError(
    'dead_letter_replayed',
    letter.replayedAt === null
      ? `Run ${letter.runId} of dead letter ${letter.id} is no longer dead-lettered`
      : `Dead letter ${letter.id} was already replayed by run ${letter.replayRunId}`,
    { details: { deadLetterId: letter.id, runId: letter.runId, replayRunId: letter.replayRunId } },
  );
}
