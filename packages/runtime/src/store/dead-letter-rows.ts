import type { ErrorRecord } from '../core/errors.js';
import type { DeadLetterRecord } from './dead-letter-store.js';

/** A row of the `dead_letters` table, as both dialects return it. */
export interface DeadLetterRow {
  id: string;
  run_id: string;
  workflow: string;
  version: number;
  reason: string;
  error: string;
  failed_seq: number | null;
  failed_step: string | null;
  context: string;
  created_at: number;
  replayed_at: number | null;
  replay_run_id: string | null;
  replayed_by: string | null;
}

export const DEAD_LETTER_COLUMNS =
  'id, run_id, workflow, version, reason, error, failed_seq, failed_step, context, created_at, replayed_at, ' +
  'replay_run_id, replayed_by';

export function toDeadLetterRecord(row: DeadLetterRow): DeadLetterRecord {
  return {
    id: row.id,
    runId: row.run_id,
    workflow: row.workflow,
    version: row.version,
    reason: row.reason,
    error: parseError(row.error),
    failedSeq: row.failed_seq,
    failedStep: row.failed_step,
    context: row.context,
    createdAt: row.created_at,
    replayedAt: row.replayed_at,
    replayRunId: row.replay_run_id,
    replayedBy: row.replayed_by,
  };
}

function parseError(text: string): ErrorRecord {
  try {
    return JSON.parse(text) as ErrorRecord;
  } catch {
    return { name: 'Error', message: 'The stored error could not be read', code: 'error_unreadable' };
  }
}
