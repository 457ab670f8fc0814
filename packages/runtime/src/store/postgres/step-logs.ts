import {
  STEP_LOG_COLUMNS,
  toStepLogLine,
  type StepLogFilter,
  type StepLogLine,
  type StepLogRow,
  type StepLogStore,
  type StoredStepLogLine,
} from '../step-log-store.js';
import type { PgConnection } from './connection.js';

/** One statement for the whole batch: the columns as arrays, unnested in order. */
const INSERT = `INSERT INTO step_logs (run_id, seq, step, attempt, at, level, msg, fields)
  SELECT run_id, seq, step, attempt, at, level, msg, fields FROM unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::bigint[], $6::text[], $7::text[], $8::text[])
  WITH ORDINALITY AS t(run_id, seq, step, attempt, at, level, msg, fields, n) ORDER BY n`;
const ALL = `SELECT ${STEP_LOG_COLUMNS} FROM step_logs WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT $3`;
const ONE_STEP = `SELECT ${STEP_LOG_COLUMNS} FROM step_logs WHERE run_id = $1 AND seq = $2 AND id > $3 ORDER BY id LIMIT $4`;

const PRUNE = `DELETE FROM step_logs WHERE id IN (SELECT id FROM step_logs WHERE at < $1 ORDER BY id LIMIT $2) RETURNING id`;

/** Step log lines in PostgreSQL: a batch is one statement (one implicit transaction). */
export class PgStepLogStore implements StepLogStore {
  constructor(private readonly conn: PgConnection) {}

  async append(lines: readonly StepLogLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.conn.query(INSERT, [
      lines.map((l) => l.runId),
      lines.map((l) => l.seq),
      lines.map((l) => l.step),
      lines.map((l) => l.attempt),
      lines.map((l) => l.at),
      lines.map((l) => l.level),
      lines.map((l) => l.msg),
      lines.map((l) => l.fields),
    ]);
  }

  async list(runId: string, filter: StepLogFilter): Promise<StoredStepLogLine[]> {
    const after = filter.after ?? 0;
    const rows =
      filter.seq === undefined
        ? await this.conn.query<StepLogRow>(ALL, [runId, after, filter.limit])
        : await this.conn.query<StepLogRow>(ONE_STEP, [runId, filter.seq, after, filter.limit]);
    return rows.map(toStepLogLine);
  }

  async prune(before: number, limit: number): Promise<number> {
    return (await this.conn.query<{ id: string }>(PRUNE, [before, limit])).length;
  }
}
