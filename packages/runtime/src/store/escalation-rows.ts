import type { EscalationDecision, EscalationKind, EscalationRecord, EscalationStatus } from './escalation-store.js';

/** A row of the `escalations` table, as both dialects return it. */
export interface EscalationRow {
  id: string;
  run_id: string;
  seq: number;
  step: string;
  workflow: string;
  kind: string;
  reason: string;
  summary: string | null;
  assignee: string | null;
  /** INTEGER 0/1 in SQLite, BOOLEAN in PostgreSQL. */
  blocking: number | boolean;
  status: string;
  context: string;
  timeout_at: number | null;
  on_timeout: string | null;
  decision: string | null;
  value: string | null;
  resolved_by: string | null;
  note: string | null;
  created_at: number;
  resolved_at: number | null;
}

export const ESCALATION_COLUMNS =
  'id, run_id, seq, step, workflow, kind, reason, summary, assignee, blocking, status, context, timeout_at, ' +
  'on_timeout, decision, value, resolved_by, note, created_at, resolved_at';

export function toEscalationRecord(row: EscalationRow): EscalationRecord {
  return {
    id: row.id,
    runId: row.run_id,
    seq: row.seq,
    step: row.step,
    workflow: row.workflow,
    kind: row.kind as EscalationKind,
    reason: row.reason,
    summary: row.summary,
    assignee: row.assignee,
    blocking: row.blocking === true || row.blocking === 1,
    context: row.context,
    timeoutAt: row.timeout_at,
    onTimeout: row.on_timeout as EscalationDecision | null,
    createdAt: row.created_at,
    status: row.status as EscalationStatus,
    decision: row.decision as EscalationDecision | null,
    value: row.value,
    resolvedBy: row.resolved_by,
    note: row.note,
    resolvedAt: row.resolved_at,
  };
}
