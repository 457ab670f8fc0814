import type { ErrorRecord } from '../../core/errors.js';
import type { StepKind, StepStatus } from '../../core/step-identity.js';
import { stepChecksum } from '../checkpoint-checksum.js';
import type { CheckpointStore, StepRecord, StepWrite } from '../checkpoint-store.js';
import type { Lease } from '../queue-store.js';
import type { SqliteConnection } from './connection.js';

interface StepRow {
  seq: number;
  name: string;
  kind: string;
  status: string;
  attempts: number;
  output: string | null;
  error: string | null;
  checksum: string;
  wake_at: number | null;
  started_at: number;
  ended_at: number | null;
}

const SELECT_STEPS = `SELECT seq, name, kind, status, attempts, output, error, checksum, wake_at, started_at, ended_at
  FROM steps WHERE run_id = ? ORDER BY seq`;
const UPSERT_STEP = `INSERT INTO steps (run_id, seq, name, kind, status, attempts, output, error, checksum, wake_at, started_at, ended_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (run_id, seq) DO UPDATE SET name = excluded.name, kind = excluded.kind, status = excluded.status,
    attempts = excluded.attempts, output = excluded.output, error = excluded.error, checksum = excluded.checksum,
    wake_at = excluded.wake_at, started_at = excluded.started_at, ended_at = excluded.ended_at`;

export function toStepRecord(row: StepRow): StepRecord {
  const base = { seq: row.seq, name: row.name, kind: row.kind as StepKind, status: row.status as StepStatus };
  let intact = stepChecksum(base, row.output, row.error) === row.checksum;
  let error: ErrorRecord | null = null;
  if (intact && row.error !== null) {
    try {
      error = JSON.parse(row.error) as ErrorRecord;
    } catch {
      intact = false;
    }
  }
  return {
    ...base,
    attempts: row.attempts,
    output: row.output,
    error,
    wakeAt: row.wake_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    intact,
  };
}

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
