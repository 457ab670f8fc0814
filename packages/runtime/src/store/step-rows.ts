import type { ErrorRecord } from '../core/errors.js';
import type { StepKind, StepStatus } from '../core/step-identity.js';
import { stepRowMatches } from './checkpoint-checksum.js';
import type { AttemptOutcome, AttemptRecord, StepRecord } from './checkpoint-store.js';

/** A row of the `steps` table, as both dialects return it. */
export interface StepRow {
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
  detail: string | null;
}

export const STEP_COLUMNS =
  'seq, name, kind, status, attempts, output, error, checksum, wake_at, started_at, ended_at, detail';

/** Maps a row to a record, verifying it against its checksum. */
export function toStepRecord(row: StepRow): StepRecord {
  const { seq, name, attempts } = row;
  const kind = row.kind as StepKind;
  const status = row.status as StepStatus;
  // Whole literals, no spread of a shared base: on Node 20 keys added after a spread cost
  // microseconds per object, and a replay reads every step of its run.
  let intact = stepRowMatches({ seq, name, kind, status, attempts }, row.output, row.error, row.detail, row.checksum);
  let error: ErrorRecord | null = null;
  if (intact && row.error !== null) {
    try {
      error = JSON.parse(row.error) as ErrorRecord;
    } catch {
      intact = false;
    }
  }
  return {
    seq,
    name,
    kind,
    status,
    attempts,
    output: row.output,
    error,
    wakeAt: row.wake_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    detail: row.detail,
    intact,
  };
}

/** A row of the `step_attempts` table. */
export interface AttemptRow {
  seq: number;
  attempt: number;
  outcome: string;
  error: string | null;
  started_at: number;
  ended_at: number;
  delay_ms: number | null;
}

export function toAttemptRecord(row: AttemptRow): AttemptRecord & { seq: number } {
  return {
    seq: row.seq,
    attempt: row.attempt,
    outcome: row.outcome as AttemptOutcome,
    error: row.error === null ? null : parseError(row.error),
    startedAt: row.started_at,
    endedAt: row.ended_at,
    delayMs: row.delay_ms,
  };
}

function parseError(text: string): ErrorRecord | null {
  try {
    return JSON.parse(text) as ErrorRecord;
  } catch {
    return null;
  }
}
