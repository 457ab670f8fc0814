import {
  STEP_LOG_COLUMNS,
  toStepLogLine,
  type StepLogFilter,
  type StepLogLine,
  type StepLogRow,
  type StepLogStore,
  type StoredStepLogLine,
} from '../step-log-store.js';
import type { SqliteConnection } from './connection.js';

const INSERT =
  'INSERT INTO step_logs (run_id, seq, step, attempt, at, level, msg, fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';
const ALL = `SELECT ${STEP_LOG_COLUMNS} FROM step_logs WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?`;
const ONE_STEP = `SELECT ${STEP_LOG_COLUMNS} FROM step_logs WHERE run_id = ? AND seq = ? AND id > ? ORDER BY id LIMIT ?`;

const PRUNE = 'DELETE FROM step_logs WHERE id IN (SELECT id FROM step_logs WHERE at < ? ORDER BY id LIMIT ?)';

/** Step log lines in SQLite: a batch is one group-committed transaction. */
export class SqliteStepLogStore implements StepLogStore {
  constructor(private readonly conn: SqliteConnection) {}

  append(lines: readonly StepLogLine[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return this.conn.batcher.run(() => {
      const insert = this.conn.statement(INSERT);
      for (const l of lines) insert.run(l.runId, l.seq, l.step, l.attempt, l.at, l.level, l.msg, l.fields);
    });
  }

  list(runId: string, filter: StepLogFilter): Promise<StoredStepLogLine[]> {
    const after = filter.after ?? 0;
    const rows = (
      filter.seq === undefined
        ? this.conn.statement(ALL).all(runId, after, filter.limit)
        : this.conn.statement(ONE_STEP).all(runId, filter.seq, after, filter.limit)
    ) as StepLogRow[];
    return Promise.resolve(rows.map(toStepLogLine));
  }

  prune(before: number, limit: number): Promise<number> {
    return this.conn.batcher.run(() => this.conn.statement(PRUNE).run(before, limit).changes);
  }
}
