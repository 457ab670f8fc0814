import { stepChecksum } from '../checkpoint-checksum.js';
import type { AttemptRecord, CheckpointStore, StepRecord, StepWrite } from '../checkpoint-store.js';
import { STEP_COLUMNS, toAttemptRecord, toStepRecord, type AttemptRow, type StepRow } from '../step-rows.js';
import type { Lease } from '../queue-store.js';
import type { SqliteConnection } from './connection.js';

const SELECT_STEPS = `SELECT ${STEP_COLUMNS} FROM steps WHERE run_id = ? ORDER BY seq`;
const STEP_ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
/**
 * Upserts of 4, 2 and 1 rows: a commit usually carries two (a step's outcome and the next step's
 * "started" row), and one statement for both costs less than two. Rows of one statement are
 * applied in order, as separate statements would be.
 */
const UPSERT_STEPS = new Map(
  [4, 2, 1].map((rows) => [
    rows,
    `INSERT INTO steps (run_id, seq, name, kind, status, attempts, output, error, checksum, wake_at, started_at, ended_at, detail, input)
  VALUES ${Array(rows).fill(STEP_ROW).join(', ')}
  ON CONFLICT (run_id, seq) DO UPDATE SET name = excluded.name, kind = excluded.kind, status = excluded.status,
    attempts = excluded.attempts, output = excluded.output, error = excluded.error, checksum = excluded.checksum,
    wake_at = excluded.wake_at, started_at = excluded.started_at, ended_at = excluded.ended_at, detail = excluded.detail,
    input = COALESCE(excluded.input, steps.input)`,
  ]),
);
const MAX_ROWS_PER_UPSERT = 4;
const SELECT_INPUT = 'SELECT input FROM steps WHERE run_id = ? AND seq = ?';
const UPSERT_ATTEMPT = `INSERT INTO step_attempts (run_id, seq, attempt, outcome, error, started_at, ended_at, delay_ms)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (run_id, seq, attempt) DO UPDATE SET outcome = excluded.outcome, error = excluded.error,
    started_at = excluded.started_at, ended_at = excluded.ended_at, delay_ms = excluded.delay_ms`;
const INSERT_ESCALATION = `INSERT INTO escalations (id, run_id, seq, step, workflow, kind, reason, summary, assignee, blocking,
    status, context, timeout_at, on_timeout, created_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`;
const INSERT_OUTBOX = `INSERT INTO outbox (id, topic, payload, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (id) DO NOTHING`;
const UPSERT_EVENT_WAIT = `INSERT INTO event_waits (run_id, seq, name, match, since, deadline) VALUES (?, ?, ?, ?, ?, ?)
  ON CONFLICT (run_id, seq) DO UPDATE SET name = excluded.name, match = excluded.match, since = excluded.since,
    deadline = excluded.deadline`;
const INSERT_RECEIVED = `INSERT INTO event_deliveries (event_id, run_id, kind, seq, at) VALUES (?, ?, 'received', ?, ?)
  ON CONFLICT (event_id, run_id, kind) DO NOTHING`;
const DELETE_EVENT_WAIT = 'DELETE FROM event_waits WHERE run_id = ? AND seq = ?';
const SELECT_ATTEMPTS = `SELECT seq, attempt, outcome, error, started_at, ended_at, delay_ms FROM step_attempts
  WHERE run_id = ? ORDER BY seq, attempt`;

/**
 * Writes step rows and what rides along with them (failed attempts, escalations, outbox
 * messages, event waits and received events); the caller has already checked the lease in the
 * same transaction.
 */
export function upsertSteps(conn: SqliteConnection, runId: string, steps: readonly StepWrite[]): void {
  for (let from = 0; from < steps.length;) {
    let rows = MAX_ROWS_PER_UPSERT;
    while (rows > steps.length - from) rows /= 2;
    const values: unknown[] = [];
    for (let i = from; i < from + rows; i++) {
      const step = steps[i]!;
      const error = step.error === null ? null : JSON.stringify(step.error);
      const detail = step.detail ?? null;
      values.push(
        runId,
        step.seq,
        step.name,
        step.kind,
        step.status,
        step.attempts,
        step.output,
        error,
        stepChecksum(step, step.output, error, detail),
        step.wakeAt,
        step.startedAt,
        step.endedAt,
        detail,
        step.input ?? null,
      );
    }
    conn.statement(UPSERT_STEPS.get(rows)!).run(values);
    from += rows;
  }
  // After every step row: what rides along may refer to its step. Audit entries go in at the end
  // of the transaction (`AuditAtCommit`), with their rows or not at all.
  for (const step of steps) {
    if (step.failedAttempt || step.escalation || step.notification || step.eventWait || step.receivedEvent) {
      writeSideRecords(conn, runId, step);
    }
    if (step.audit) conn.auditAtCommit.add(step.audit);
  }
}

function writeSideRecords(conn: SqliteConnection, runId: string, step: StepWrite): void {
  const { failedAttempt: attempt, escalation: e, notification: n, eventWait: w, receivedEvent: received } = step;
  if (attempt) {
    conn
      .statement(UPSERT_ATTEMPT)
      .run(
        runId,
        step.seq,
        attempt.attempt,
        attempt.outcome,
        attempt.error === null ? null : JSON.stringify(attempt.error),
        attempt.startedAt,
        attempt.endedAt,
        attempt.delayMs,
      );
  }
  if (e) {
    conn
      .statement(INSERT_ESCALATION)
      .run(
        e.id,
        e.runId,
        e.seq,
        e.step,
        e.workflow,
        e.kind,
        e.reason,
        e.summary,
        e.assignee,
        e.blocking ? 1 : 0,
        e.context,
        e.timeoutAt,
        e.onTimeout,
        e.createdAt,
      );
  }
  if (n) conn.statement(INSERT_OUTBOX).run(n.id, n.topic, n.payload, n.createdAt, n.createdAt);
  // A step that carries its received event has no wait left to register.
  if (w && !received) conn.statement(UPSERT_EVENT_WAIT).run(w.runId, w.seq, w.name, w.match, w.since, w.deadline);
  if (received) {
    // `eventId: null`: the wait timed out; there is no delivery to record.
    if (received.eventId !== null) {
      conn.statement(INSERT_RECEIVED).run(received.eventId, runId, step.seq, step.endedAt ?? step.startedAt);
    }
    conn.statement(DELETE_EVENT_WAIT).run(runId, step.seq);
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

  attempts(runId: string): Promise<Array<AttemptRecord & { seq: number }>> {
    return Promise.resolve((this.conn.statement(SELECT_ATTEMPTS).all(runId) as AttemptRow[]).map(toAttemptRecord));
  }

  input(runId: string, seq: number): Promise<string | null> {
    const row = this.conn.statement(SELECT_INPUT).get(runId, seq) as { input: string | null } | undefined;
    return Promise.resolve(row?.input ?? null);
  }
}
