import { canonicalJson } from '../../core/json.js';
import { stepChecksum } from '../checkpoint-checksum.js';
import type { StepWrite } from '../checkpoint-store.js';

/** The step rows one run writes in a statement. */
export interface RunSteps {
  runId: string;
  steps: readonly StepWrite[];
}

/** A row riding along with a step, and the run whose fence guards it. */
interface Owned<T> {
  run: string;
  step: StepWrite;
  value: T;
}

/**
 * The common table expressions that write `steps` for one or more runs, and their parameters
 * from placeholder `first` on. A run's rows are written only when the CTE named `guard` returned
 * its id: the fence and the writes are one statement, so a refused fence writes nothing for that
 * run, while the other runs of a group commit are written all the same.
 *
 * Rows go as parallel arrays (`unnest($n::int[], …)`), each with the id of the run it belongs
 * to, so one statement writes any number of rows of any number of runs. Failed attempts,
 * escalations, outbox messages, event waits, received events and audit entries riding along get
 * CTEs of their own, only when present: the statement for plain steps keeps one shape, prepared once.
 */
export function stepWritesSql(
  runs: readonly RunSteps[],
  first: number,
  guard: string,
): { ctes: string; params: unknown[] } {
  const rows = runs.flatMap(({ runId, steps }) => steps.map((step) => ({ run: runId, step })));
  const steps = rows.map((row) => row.step);
  const riding = <T>(pick: (step: StepWrite) => T | null | undefined): Array<Owned<T>> =>
    rows.flatMap(({ run, step }) => {
      const value = pick(step);
      return value === null || value === undefined ? [] : [{ run, step, value }];
    });
  const fenced = `IN (SELECT id FROM ${guard})`;
  const errors = steps.map((s) => (s.error === null ? null : JSON.stringify(s.error)));
  const columns: Array<[string, unknown[]]> = [
    ['text', rows.map((row) => row.run)],
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
  const param = (type: string, values: unknown[]): string => `$${first + params.push(values) - 1}::${type}[]`;
  const arrays = (cols: Array<[string, unknown[]]>): string =>
    `unnest(${cols.map(([type, values]) => param(type, values)).join(', ')})`;
  const owners = (of: Array<Owned<unknown>>): [string, unknown[]] => ['text', of.map((row) => row.run)];

  const ctes = [
    `written AS (INSERT INTO steps (run_id, seq, name, kind, status, attempts, output, error, checksum, wake_at, started_at, ended_at, detail, input)
    SELECT s.* FROM ${arrays(columns)} AS s(run_id, seq, name, kind, status, attempts, output, error, checksum, wake_at, started_at, ended_at, detail, input)
    WHERE s.run_id ${fenced}
    ON CONFLICT (run_id, seq) DO UPDATE SET name = excluded.name, kind = excluded.kind, status = excluded.status,
      attempts = excluded.attempts, output = excluded.output, error = excluded.error, checksum = excluded.checksum,
      wake_at = excluded.wake_at, started_at = excluded.started_at, ended_at = excluded.ended_at, detail = excluded.detail,
      input = COALESCE(excluded.input, steps.input))`,
  ];

  const attempts = riding((s) => s.failedAttempt);
  if (attempts.length > 0) {
    ctes.push(`attempts_written AS (INSERT INTO step_attempts (run_id, seq, attempt, outcome, error, started_at, ended_at, delay_ms)
    SELECT a.* FROM ${arrays([
      owners(attempts),
      ['int', attempts.map((a) => a.step.seq)],
      ['int', attempts.map((a) => a.value.attempt)],
      ['text', attempts.map((a) => a.value.outcome)],
      ['text', attempts.map((a) => (a.value.error === null ? null : JSON.stringify(a.value.error)))],
      ['bigint', attempts.map((a) => a.value.startedAt)],
      ['bigint', attempts.map((a) => a.value.endedAt)],
      ['bigint', attempts.map((a) => a.value.delayMs)],
    ])} AS a(run_id, seq, attempt, outcome, error, started_at, ended_at, delay_ms)
    WHERE a.run_id ${fenced}
    ON CONFLICT (run_id, seq, attempt) DO UPDATE SET outcome = excluded.outcome, error = excluded.error,
      started_at = excluded.started_at, ended_at = excluded.ended_at, delay_ms = excluded.delay_ms)`);
  }

  const owned = riding((s) => s.escalation);
  if (owned.length > 0) {
    const escalations = owned.map((e) => e.value);
    ctes.push(`escalations_written AS (INSERT INTO escalations (id, run_id, seq, step, workflow, kind, reason, summary,
      assignee, blocking, status, context, timeout_at, on_timeout, created_at)
    SELECT e.id, e.run_id, e.seq, e.step, e.workflow, e.kind, e.reason, e.summary, e.assignee, e.blocking, 'open',
      e.context, e.timeout_at, e.on_timeout, e.created_at
    FROM ${arrays([
      owners(owned),
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
    ])} AS e(of_run, id, run_id, seq, step, workflow, kind, reason, summary, assignee, blocking, context, timeout_at, on_timeout, created_at)
    WHERE e.of_run ${fenced}
    ON CONFLICT (id) DO NOTHING)`);
  }

  const messages = riding((s) => s.notification);
  if (messages.length > 0) {
    ctes.push(`outbox_written AS (INSERT INTO outbox (id, topic, payload, next_attempt_at, created_at)
    SELECT m.id, m.topic, m.payload, m.created_at, m.created_at FROM ${arrays([
      owners(messages),
      ['text', messages.map((m) => m.value.id)],
      ['text', messages.map((m) => m.value.topic)],
      ['text', messages.map((m) => m.value.payload)],
      ['bigint', messages.map((m) => m.value.createdAt)],
    ])} AS m(of_run, id, topic, payload, created_at)
    WHERE m.of_run ${fenced}
    ON CONFLICT (id) DO NOTHING)`);
  }
  // A step that carries its received event has no wait left to register.
  const waits = riding((s) => (s.receivedEvent ? undefined : s.eventWait));
  if (waits.length > 0) {
    ctes.push(`event_waits_written AS (INSERT INTO event_waits (run_id, seq, name, match, since, deadline)
    SELECT w.run_id, w.seq, w.name, w.match, w.since, w.deadline FROM ${arrays([
      owners(waits),
      ['text', waits.map((w) => w.value.runId)],
      ['int', waits.map((w) => w.value.seq)],
      ['text', waits.map((w) => w.value.name)],
      ['text', waits.map((w) => w.value.match)],
      ['bigint', waits.map((w) => w.value.since)],
      ['bigint', waits.map((w) => w.value.deadline)],
    ])} AS w(of_run, run_id, seq, name, match, since, deadline)
    WHERE w.of_run ${fenced}
    ON CONFLICT (run_id, seq) DO UPDATE SET name = excluded.name, match = excluded.match, since = excluded.since,
      deadline = excluded.deadline)`);
  }

  // A received event ends the step's wait: the delivery is recorded and the wait removed together.
  const ended = riding((s) => s.receivedEvent);
  // `eventId: null`: the wait timed out; its wait is removed, no delivery recorded.
  const received = ended.filter((s) => s.value.eventId !== null);
  if (received.length > 0) {
    ctes.push(`received_written AS (INSERT INTO event_deliveries (event_id, run_id, kind, seq, at)
    SELECT r.event_id, r.run_id, 'received', r.seq, r.at FROM ${arrays([
      owners(received),
      ['text', received.map((r) => r.value.eventId)],
      ['int', received.map((r) => r.step.seq)],
      ['bigint', received.map((r) => r.step.endedAt ?? r.step.startedAt)],
    ])} AS r(run_id, event_id, seq, at)
    WHERE r.run_id ${fenced}
    ON CONFLICT (event_id, run_id, kind) DO NOTHING)`);
  }
  if (ended.length > 0) {
    ctes.push(`waits_ended AS (DELETE FROM event_waits w USING ${arrays([
      owners(ended),
      ['int', ended.map((e) => e.step.seq)],
    ])} AS e(run_id, seq)
    WHERE w.run_id = e.run_id AND w.seq = e.seq AND e.run_id ${fenced})`);
  }

  // Staged, not chained: the next append chains them (`PgAuditStore`), in the order of their ids.
  const entries = rows.flatMap(({ run, step }) => (step.audit ?? []).map((draft) => ({ run, draft })));
  if (entries.length > 0) {
    ctes.push(`audit_staged_written AS (INSERT INTO audit_staged (at, type, run_id, principal, data)
    SELECT a.at, a.type, a.run_id, a.principal, a.data FROM ${arrays([
      ['text', entries.map((e) => e.run)],
      ['bigint', entries.map((e) => e.draft.at)],
      ['text', entries.map((e) => e.draft.type)],
      ['text', entries.map((e) => e.draft.runId)],
      ['text', entries.map((e) => e.draft.principal)],
      ['text', entries.map((e) => e.draft.text ?? canonicalJson(e.draft.data))],
    ])} WITH ORDINALITY AS a(of_run, at, type, run_id, principal, data, n)
    WHERE a.of_run ${fenced} ORDER BY a.n)`);
  }
  return { ctes: ctes.join(',\n'), params };
}

/** Whether any of `steps` carries audit entries to stage. */
export function stagesAudit(steps: readonly StepWrite[]): boolean {
  return steps.some((step) => step.audit !== undefined && step.audit.length > 0);
}
