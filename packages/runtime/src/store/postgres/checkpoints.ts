import { LeaseLostError } from '../../core/errors.js';
import type { AttemptRecord, CheckpointStore, StepRecord, StepWrite } from '../checkpoint-store.js';
import type { Lease } from '../lease.js';
import { STEP_COLUMNS, toAttemptRecord, toStepRecord, type AttemptRow, type StepRow } from '../step-rows.js';
import type { PgConnection } from './connection.js';
import { stepWritesSql } from './step-arrays.js';

export class PgCheckpointStore implements CheckpointStore {
  constructor(private readonly conn: PgConnection) {}

  async list(runId: string): Promise<StepRecord[]> {
    const rows = await this.conn.query<StepRow>(`SELECT ${STEP_COLUMNS} FROM steps WHERE run_id = $1 ORDER BY seq`, [
      runId,
    ]);
    return rows.map(toStepRecord);
  }

  /**
   * One statement: lock the run row if this lease is still current (a row lock, so a claim that
   * bumped the epoch meanwhile makes the check fail rather than pass on a stale snapshot), renew
   * it if asked, and upsert the rows only if the fence held.
   */
  async commit(lease: Lease, steps: readonly StepWrite[], renewUntil?: number): Promise<void> {
    const renew = renewUntil !== undefined;
    const writes = stepWritesSql(steps, renew ? 5 : 4, 'fence');
    const fence = renew
      ? `UPDATE runs SET lease_expires_at = GREATEST(lease_expires_at, $4) WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 RETURNING id`
      : `SELECT id FROM runs WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 FOR NO KEY UPDATE`;
    const [result] = await this.conn.query<{ fenced: number }>(
      `WITH fence AS (${fence}), ${writes.ctes}
       SELECT count(*)::int AS fenced FROM fence`,
      [lease.runId, lease.owner, lease.epoch, ...(renew ? [renewUntil] : []), ...writes.params],
    );
    if (!result || result.fenced === 0) throw new LeaseLostError(lease.runId);
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
