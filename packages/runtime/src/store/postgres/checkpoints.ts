import type { AttemptRecord, CheckpointStore, StepRecord, StepWrite } from '../checkpoint-store.js';
import type { Lease } from '../lease.js';
import { STEP_COLUMNS, toAttemptRecord, toStepRecord, type AttemptRow, type StepRow } from '../step-rows.js';
import type { PgConnection } from './connection.js';
import type { PgGroupCommit } from './group-commit.js';

export class PgCheckpointStore implements CheckpointStore {
  constructor(
    private readonly conn: PgConnection,
    /** The group commit every `commit` goes through; its `stats` count statements and writes. */
    readonly group: PgGroupCommit,
  ) {}

  async list(runId: string): Promise<StepRecord[]> {
    const rows = await this.conn.query<StepRow>(`SELECT ${STEP_COLUMNS} FROM steps WHERE run_id = $1 ORDER BY seq`, [
      runId,
    ]);
    return rows.map(toStepRecord);
  }

  /**
   * Group commit (`PgGroupCommit`): commits of different runs made while earlier ones are being
   * written go out together in one statement, each run fenced on its own lease under a row lock
   * (a claim that bumped the epoch meanwhile makes the check fail rather than pass on a stale
   * snapshot), renewed if asked, its rows upserted only if its fence held.
   */
  commit(lease: Lease, steps: readonly StepWrite[], renewUntil?: number): Promise<void> {
    return this.group.commit(lease, steps, renewUntil);
  }

  async attempts(runId: string): Promise<Array<AttemptRecord & { seq: number }>> {
    const rows = await this.conn.query<AttemptRow>(
      `SELECT seq, attempt, outcome, error, started_at, ended_at, delay_ms FROM step_attempts
       WHERE run_id = $1 ORDER BY seq, attempt`,
      [runId],
    );
    return rows.map(toAttemptRecord);
  }

  async input(runId: string, seq: number): Promise<string | null> {
    const [row] = await this.conn.query<{ input: string | null }>(
      'SELECT input FROM steps WHERE run_id = $1 AND seq = $2',
      [runId, seq],
    );
    return row?.input ?? null;
  }
}

/** Steps of many runs, grouped by run id, in sequence order. */
export async function stepsOfRuns(conn: PgConnection, runIds: string[]): Promise<Map<string, StepRecord[]>> {
  const byRun = new Map<string, StepRecord[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return byRun;
  const rows = await conn.query<StepRow & { run_id: string }>(
    `SELECT run_id, ${STEP_COLUMNS} FROM steps WHERE run_id = ANY($1::text[]) ORDER BY run_id, seq`,
    [runIds],
  );
  for (const row of rows) byRun.get(row.run_id)?.push(toStepRecord(row));
  return byRun;
}
