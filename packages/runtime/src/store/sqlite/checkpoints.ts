import { stepChecksum } from '../checkpoint-checksum.js';
import type { CheckpointStore, StepRecord, StepWrite } from '../checkpoint-store.js';
import { STEP_COLUMNS, toStepRecord, type StepRow } from '../step-rows.js';
import type { Lease } from '../queue-store.js';
import type { SqliteConnection } from './connection.js';

const SELECT_STEPS = `SELECT ${STEP_COLUMNS} FROM steps WHERE run_id = ? ORDER BY seq`;
const UPSERT_STEP = `INSERT INTO steps (run_id, seq, name, kind, status, attempts, output, error, checksum, wake_at, started_at, ended_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (run_id, seq) DO UPDATE SET name = excluded.name, kind = excluded.kind, status = excluded.status,
    attempts = excluded.attempts, output = excluded.output, error = excluded.error, checksum = excluded.checksum,
    wake_at = excluded.wake_at, started_at = excluded.started_at, ended_at = excluded.ended_at`;

/** Writes step rows; the caller has already checked the lease in the same transaction. */
export function upsertSteps(conn: SqliteConnection, runId: string, steps: readonly StepWrite[]): void {
  if (steps.length === 0) return;
  const upsert = conn.statement(UPSERT_STEP);
  for (const step of steps) {
    const error = step.error === null ? null : JSON.stringify(step.error);
    upsert.run(
      runId,
      step.seq,
      step.name,
      step.kind,
      step.status,
      step.attempts,
      step.output,
      error,
      stepChecksum(step, step.output, error),
      step.wakeAt,
      step.startedAt,
      step.endedAt,
    );
  }
}

export function selectSteps(conn: SqliteConnection, runId: string): StepRecord[] {
  return (conn.statement(SELECT_STEPS).all(runId) as StepRow[]).map(toStepRecord);
}

export class SqliteCheckpointStore implements CheckpointStore {
  constructor(private readonly conn: SqliteConnection) {}

  list(runId: string): Promise<StepRecord[]> {
    return Promise.resolve(selectSteps(this.conn, runId));
  }

  commit(lease: Lease, steps: readonly StepWrite[], renewUntil?: number): Promise<void> {
    return this.conn.batcher.run(() => {
      this.conn.assertLease(lease, renewUntil);
      upsertSteps(this.conn, lease.runId, steps);
    });
  }
}
