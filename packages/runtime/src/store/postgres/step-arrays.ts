import { stepChecksum } from '../checkpoint-checksum.js';
import type { StepWrite } from '../checkpoint-store.js';

/**
 * The common table expressions that write `steps` for run `$1`, and their parameters from
 * placeholder `first` on. Each write happens only when the CTE named `guard` returned a row:
 * the fence and the writes are one statement, so a refused fence writes nothing.
 *
 * Step rows go as parallel arrays (`unnest($n::int[], …)`), so one statement writes any number
 * of them. Failed attempts, escalations, outbox messages, event waits and received events riding
 * along get CTEs of their own, only when present: the statement for a plain step keeps one shape,
 * prepared once.
 */
export function stepWritesSql(
  steps: readonly StepWrite[],
  first: number,
  guard: string,
): { ctes: string; params: unknown[] } {
  const errors = steps.map((s) => (s.error === null ? null : JSON.stringify(s.error)));
  const columns: Array<[string, unknown[]]> = [
    ['int', steps.map((s) => s.seq)],
    ['text', steps.map((s) => s.name)],
    ['text', steps.map((s) => s.kind)],
    ['text', steps.map((s) => s.status)],
    ['int', steps.map((s) => s.attempts)],
    ['text', steps.map((s) => s.output)],
    ['text', errors],
    ['text', steps.map((s, i) => stepChecksum(s, s.output, errors[i] ?? null, s.detail ?? null))],
    ['bigint', steps.map((s) => s.wakeAt)],
    ['bigint', steps.map((s) => s.startedAt)],
    ['bigint', steps.map((s) => s.endedAt)],
    ['text', steps.map((s) => s.detail ?? null)],
    ['text', steps.map((s) => s.input ?? null)],
  ];
  const params: unknown[] = [];
  const arrays = (cols: Array<[string, unknown[]]>): string =>
    `unnest(${cols.map(([type, values]) => `$${first + params.push(values) - 1}::${type}[]`).join(', ')})`;

  const ctes = [
    `written AS (INSERT INTO steps (run_id, seq, name, kind, status, attempts, output, error, checksum, wake_at, started_at, ended_at, detail, input)
    SELECT $1, s.* FROM ${arrays(columns)} AS s(seq, name, kind, status, attempts, output, error, checksum, wake_at, started_at, ended_at, detail, input)
    WHERE EXISTS (SELECT 1 FROM ${guard})
    ON CONFLICT (run_id, seq) DO UPDATE SET name = excluded.name, kind = excluded.kind, status = excluded.status,
      attempts = excluded.attempts, output = excluded.output, error = excluded.error, checksum = excluded.checksum,
      wake_at = excluded.wake_at, started_at = excluded.started_at, ended_at = excluded.ended_at, detail = excluded.detail,
      input = COALESCE(excluded.input, steps.input))`,
  ];

  const attempts = steps.filter((s) => s.failedAttempt);
  if (attempts.length > 0) {
    const rows = attempts.map((s) => ({ seq: s.seq, ...s.failedAttempt! }));
    ctes.push(`attempts_written AS (INSERT INTO step_attempts (run_id, seq, attempt, outcome, error, started_at, ended_at, delay_ms)
    SELECT $1, a.* FROM ${arrays([
      ['int', rows.map((a) => a.seq)],
      ['int', rows.map((a) => a.attempt)],
      ['text', rows.map((a) => a.outcome)],
      ['text', rows.map((a) => (a.error === null ? null : JSON.stringify(a.error)))],
      ['bigint', rows.map((a) => a.startedAt)],
      ['bigint', rows.map((a) => a.endedAt)],
      ['bigint', rows.map((a) => a.delayMs)],
    ])} AS a(seq, attempt, outcome, error, started_at, ended_at, delay_ms)
    WHERE EXISTS (SELECT 1 FROM ${guard})
    ON CONFLICT (run_id, seq, attempt) DO UPDATE SET outcome = excluded.outcome, error = excluded.error,
      started_at = excluded.started_at, ended_at = excluded.ended_at, delay_ms = excluded.delay_ms)`);
  }

  const escalations = steps.flatMap((s) => (s.escalation ? [s.escalation] : []));
  if (escalations.length > 0) {
    ctes.push(`escalations_written AS (INSERT INTO escalations (id, run_id, seq, step, workflow, kind, reason, summary,
      assignee, blocking, status, context, timeout_at, on_timeout, created_at)
    SELECT e.id, e.run_id, e.seq, e.step, e.workflow, e.kind, e.reason, e.summary, e.assignee, e.blocking, 'open',
      e.context, e.timeout_at, e.on_timeout, e.created_at
    FROM ${arrays([
      ['text', escalations.map((e) => e.id)],
      ['text', escalations.map((e) => e.runId)],
      ['int', escalations.map((e) => e.seq)],
      ['text', escalations.map((e) => e.step)],
      ['text', escalations.map((e) => e.workflow)],
      ['text', escalations.map((e) => e.kind)],
      ['text', escalations.map((e) => e.reason)],
      ['text', escalations.map((e) => e.summary)],
      ['text', escalations.map((e) => e.assignee)],
      ['boolean', escalations.map((e) => e.blocking)],
      ['text', escalations.map((e) => e.context)],
      ['bigint', escalations.map((e) => e.timeoutAt)],
      ['text', escalations.map((e) => e.onTimeout)],
      ['bigint', escalations.map((e) => e.createdAt)],
    ])} AS e(id, run_id, seq, step, workflow, kind, reason, summary, assignee, blocking, context, timeout_at, on_timeout, created_at)
    WHERE EXISTS (SELECT 1 FROM ${guard})
    ON CONFLICT (id) DO NOTHING)`);
  }

  const messages = steps.flatMap((s) => (s.notification ? [s.notification] : []));
  if (messages.length > 0) {
    ctes.push(`outbox_written AS (INSERT INTO outbox (id, topic, payload, next_attempt_at, created_at)
    SELECT m.id, m.topic, m.payload, m.created_at, m.created_at FROM ${arrays([
      ['text', messages.map((m) => m.id)],
      ['text', messages.map((m) => m.topic)],
      ['text', messages.map((m) => m.payload)],
      ['bigint', messages.map((m) => m.createdAt)],
    ])} AS m(id, topic, payload, created_at)
    WHERE EXISTS (SELECT 1 FROM ${guard})
    ON CONFLICT (id) DO NOTHING)`);
  }
  // A step that carries its received event has no wait left to register.
  const waits = steps.flatMap((s) => (s.eventWait && !s.receivedEvent ? [s.eventWait] : []));
  if (waits.length > 0) {
    ctes.push(`event_waits_written AS (INSERT INTO event_waits (run_id, seq, name, match, since, deadline)
    SELECT w.* FROM ${arrays([
      ['text', waits.map((w) => w.runId)],
      ['int', waits.map((w) => w.seq)],
      ['text', waits.map((w) => w.name)],
      ['text', waits.map((w) => w.match)],
      ['bigint', waits.map((w) => w.since)],
      ['bigint', waits.map((w) => w.deadline)],
    ])} AS w(run_id, seq, name, match, since, deadline)
    WHERE EXISTS (SELECT 1 FROM ${guard})
    ON CONFLICT (run_id, seq) DO UPDATE SET name = excluded.name, match = excluded.match, since = excluded.since,
      deadline = excluded.deadline)`);
  }

  // A received event ends the step's wait: the delivery is recorded and the wait removed together.
  const ended = steps.filter((s) => s.receivedEvent);
  // `eventId: null`: the wait timed out; its wait is removed, no delivery recorded.
  const received = ended.filter((s) => s.receivedEvent!.eventId !== null);
  if (received.length > 0) {
    ctes.push(`received_written AS (INSERT INTO event_deliveries (event_id, run_id, kind, seq, at)
    SELECT r.event_id, $1, 'received', r.seq, r.at FROM ${arrays([
      ['text', received.map((s) => s.receivedEvent!.eventId)],
      ['int', received.map((s) => s.seq)],
      ['bigint', received.map((s) => s.endedAt ?? s.startedAt)],
    ])} AS r(event_id, seq, at)
    WHERE EXISTS (SELECT 1 FROM ${guard})
    ON CONFLICT (event_id, run_id, kind) DO NOTHING)`);
  }
  if (ended.length > 0) {
    const seqs = `$${first + params.push(ended.map((s) => s.seq)) - 1}::int[]`;
    ctes.push(`waits_ended AS (DELETE FROM event_waits WHERE run_id = $1 AND seq = ANY(${seqs})
    AND EXISTS (SELECT 1 FROM ${guard}))`);
  }
  return { ctes: ctes.join(',\n'), params };
}
