import type { StepWrite } from '../checkpoint-store.js';
import type { Lease } from '../lease.js';
import type { FinishOutcome } from '../queue-store.js';
import type { PgConnection } from './connection.js';
import { FLOW_COLUMNS, releaseLimitsSql } from './flow-control.js';
import { writeAlone } from './single-write.js';
import { stepWritesSql } from './step-arrays.js';

/**
 * One write of a group commit: the rows of one run under its lease, and either the renewal a
 * `checkpoints.commit` asks for or the run's end (`queue.finish`).
 */
export interface GroupWrite {
  lease: Lease;
  steps: readonly StepWrite[];
  renewUntil?: number | undefined;
  finish?: { outcome: FinishOutcome; now: number } | undefined;
}

/**
 * Writes several runs in one statement, so one transaction and one WAL flush: the fence locks
 * each run's row (in id order, so two statements never wait on each other in a cycle) if its
 * lease is still current; then the leases that ask for it are renewed, the finishing runs get
 * their outcome (released, their dead letter written, the limits they held freed, idle workers
 * woken), and each run's rows are written, all only for the runs whose fence held. Resolves with
 * the ids of those runs. A single write goes as the scalar statement of `writeAlone`.
 */
export async function writeTogether(
  conn: PgConnection,
  channel: string,
  writes: readonly GroupWrite[],
): Promise<Set<string>> {
  if (writes.length === 1) {
    const [write] = writes as [GroupWrite];
    return new Set((await writeAlone(conn, channel, write)) ? [write.lease.runId] : []);
  }
  const params: unknown[] = [];
  const param: Param = (type, values) => `$${params.push(values)}::${type}[]`;
  const ends = writes.map((w) => w.finish);
  const leases = unnest(param, writes, [
    ['text', (w) => w.lease.runId],
    ['text', (w) => w.lease.owner],
    ['bigint', (w) => w.lease.epoch],
    ['bigint', (w) => w.renewUntil ?? null],
  ]);
  const ctes = [
    `fence AS MATERIALIZED (
       SELECT r.id, l.renew_until FROM ${leases} AS l(id, owner, epoch, renew_until)
       JOIN runs r ON r.id = l.id AND r.lease_owner = l.owner AND r.lease_epoch = l.epoch
       WHERE r.id = ANY($1::text[])
       ORDER BY r.id FOR NO KEY UPDATE OF r
     )`,
  ];
  if (writes.some((w) => w.renewUntil !== undefined)) {
    ctes.push(`renewed AS (UPDATE runs r SET lease_expires_at = GREATEST(r.lease_expires_at, f.renew_until)
       FROM fence f WHERE r.id = f.id AND f.renew_until IS NOT NULL)`);
  }
  const finishing = ends.some((end) => end !== undefined);
  if (finishing) ctes.push(finishSql(writes, param));
  const steps = stepWritesSql(
    writes.map((w) => ({ runId: w.lease.runId, steps: w.steps })),
    params.length + 1,
    'fence',
  );
  params.push(...steps.params);
  ctes.push(steps.ctes);
  if (finishing) ctes.push(releaseLimitsSql('finished', 's.finished_at', `$${params.push(channel)}::text`, false));
  const rows = await conn.query<{ id: string }>(
    `WITH ${ctes.join(',\n')}
     SELECT id${finishing ? ', (SELECT count(*) FROM flow_woken) AS notified' : ''} FROM fence`,
    params,
  );
  return new Set(rows.map((row) => row.id));
}

/** The finishing runs' outcomes (and dead letters), applied to those whose fence held. */
function finishSql(writes: readonly GroupWrite[], param: Param): string {
  const ending = writes.filter((w) => w.finish !== undefined);
  const columns = unnest(param, ending, [
    ['text', (w) => w.lease.runId],
    ['text', (w) => w.finish!.outcome.status],
    ['text', ({ finish }) => ('output' in finish!.outcome ? finish!.outcome.output : null)],
    ['text', ({ finish }) => ('error' in finish!.outcome ? JSON.stringify(finish!.outcome.error) : null)],
    ['text', ({ finish }) => (finish!.outcome.status === 'completed_partial' ? finish!.outcome.summary : null)],
    ['bigint', (w) => w.finish!.now],
  ]);
  const returning = ['finished_at', 'version', 'error', ...FLOW_COLUMNS.split(', ')].map((c) => `r.${c}`).join(', ');
  const finished = `finished AS (
       UPDATE runs r SET status = e.status, output = e.output, error = e.error, summary = e.summary, lease_owner = NULL,
         lease_expires_at = NULL, ready_at = NULL, updated_at = e.at, finished_at = e.at
       FROM ${columns} AS e(id, status, output, error, summary, at)
       WHERE r.id = e.id AND r.id IN (SELECT id FROM fence)
       RETURNING ${returning}
     )`;
  const letters = ending.flatMap((w) => {
    const o = w.finish!.outcome;
    return o.status === 'dead_lettered' ? [{ runId: w.lease.runId, letter: o.deadLetter }] : [];
  });
  if (letters.length === 0) return finished;
  return `${finished}, dead_lettered AS (
       INSERT INTO dead_letters (id, run_id, workflow, version, reason, error, failed_seq, failed_step, context, created_at)
       SELECT d.id, r.id, r.workflow, r.version, d.reason, r.error, d.failed_seq, d.failed_step, d.context, r.finished_at
       FROM ${unnest(param, letters, [
         ['text', (l) => l.runId],
         ['text', (l) => l.letter.id],
         ['text', (l) => l.letter.reason],
         ['int', (l) => l.letter.failedSeq],
         ['text', (l) => l.letter.failedStep],
         ['text', (l) => l.letter.context],
       ])} AS d(run_id, id, reason, failed_seq, failed_step, context)
       JOIN finished r ON r.id = d.run_id
     )`;
}

/** Adds a parameter (a typed array) and returns its placeholder, e.g. `$3::text[]`. */
type Param = (type: string, values: unknown[]) => string;

/** `unnest(…)` of one array parameter per column, each column's function applied to every row. */
function unnest<T>(
  param: Param,
  rows: readonly T[],
  columns: ReadonlyArray<readonly [string, (row: T) => unknown]>,
): string {
  return `unnest(${columns.map(([type, value]) => param(type, rows.map(value))).join(', ')})`;
}
