import type { PgConnection } from './connection.js';
import { FLOW_COLUMNS, releaseLimitsSql } from './flow-control.js';
import type { GroupWrite } from './group-statement.js';
import { stepWritesSql } from './step-arrays.js';

/**
 * The statement of a group commit that carries one write: the same fence and writes as
 * `writeTogether`, on scalar parameters. With one run in flight every write goes out alone, and
 * this shape costs the server less to plan and run than the arrays of a batch. Resolves with
 * whether the fence held.
 */
export async function writeAlone(conn: PgConnection, channel: string, write: GroupWrite): Promise<boolean> {
  const { lease, steps, renewUntil, finish } = write;
  if (finish) return finishAlone(conn, channel, write, finish);
  const renew = renewUntil !== undefined;
  const writes = stepWritesSql([{ runId: lease.runId, steps }], renew ? 5 : 4, 'fence');
  const fence = renew
    ? `UPDATE runs SET lease_expires_at = GREATEST(lease_expires_at, $4) WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 RETURNING id`
    : `SELECT id FROM runs WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 FOR NO KEY UPDATE`;
  const [result] = await conn.query<{ fenced: number }>(
    `WITH fence AS (${fence}), ${writes.ctes}
     SELECT count(*)::int AS fenced FROM fence`,
    [lease.runId, lease.owner, lease.epoch, ...(renew ? [renewUntil] : []), ...writes.params],
  );
  return result !== undefined && result.fenced > 0;
}

async function finishAlone(
  conn: PgConnection,
  channel: string,
  { lease, steps }: GroupWrite,
  { outcome, now }: NonNullable<GroupWrite['finish']>,
): Promise<boolean> {
  const writes = stepWritesSql([{ runId: lease.runId, steps }], 9, 'finished');
  const letter = outcome.status === 'dead_lettered' ? outcome.deadLetter : undefined;
  const params = [
    lease.runId,
    lease.owner,
    lease.epoch,
    outcome.status,
    'output' in outcome ? outcome.output : null,
    'error' in outcome ? JSON.stringify(outcome.error) : null,
    now,
    outcome.status === 'completed_partial' ? outcome.summary : null,
    ...writes.params,
  ];
  const first = params.length + 1;
  const deadLetter = letter
    ? `, dead_lettered AS (
       INSERT INTO dead_letters (id, run_id, workflow, version, reason, error, failed_seq, failed_step, context, created_at)
       SELECT $${first}, r.id, r.workflow, r.version, $${first + 1}, $6, $${first + 2}, $${first + 3}, $${first + 4}, $7
       FROM finished r)`
    : '';
  if (letter) params.push(letter.id, letter.reason, letter.failedSeq, letter.failedStep, letter.context);
  params.push(channel);
  const [result] = await conn.query<{ fenced: number }>(
    `WITH finished AS (
       UPDATE runs SET status = $4, output = $5, error = $6, summary = $8, lease_owner = NULL, lease_expires_at = NULL,
         ready_at = NULL, updated_at = $7, finished_at = $7
       WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 RETURNING version, ${FLOW_COLUMNS}
     ), ${writes.ctes}${deadLetter},
     ${releaseLimitsSql('finished', '$7', `$${params.length}`, false)}
     SELECT count(*)::int AS fenced, (SELECT count(*) FROM flow_woken) AS notified FROM finished`,
    params,
  );
  return result !== undefined && result.fenced > 0;
}
