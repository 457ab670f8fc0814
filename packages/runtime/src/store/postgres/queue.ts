import { LeaseLostError } from '../../core/errors.js';
import type { StepWrite } from '../checkpoint-store.js';
import type { ClaimedRun, ClaimRequest, FinishOutcome, Lease, QueueStore, WorkflowKey } from '../queue-store.js';
import { RUN_COLUMNS, toRunRecord, type RunRow } from '../run-rows.js';
import { stepsOfRuns } from './checkpoints.js';
import type { PgConnection } from './connection.js';
import { stepWritesSql } from './step-arrays.js';

/**
 * A condition on the workflow version against an array parameter `$n` of `name@version`. It is
 * an expression on purpose: a condition on the `workflow` column would let the planner reach
 * ready runs through `runs_workflow`, reading every run of the workflow, finished ones too.
 */
export function ofWorkflows(parameter: number): string {
  return `(workflow || '@' || version) = ANY($${parameter}::text[])`;
}

export function workflowParams(workflows: readonly WorkflowKey[]): [string[]] {
  return [workflows.map((w) => `${w.name}@${w.version}`)];
}

export class PgQueueStore implements QueueStore {
  constructor(private readonly conn: PgConnection) {}

  /**
   * One statement leases the runs: candidates are locked with SKIP LOCKED, so workers claiming
   * at the same time take different runs and never wait on each other. Expired leases first.
   */
  async claim(request: ClaimRequest): Promise<ClaimedRun[]> {
    if (request.limit <= 0 || request.workflows.length === 0) return [];
    const rows = await this.conn.query<RunRow>(
      `WITH expired AS (
         SELECT id FROM runs WHERE lease_owner IS NOT NULL AND lease_expires_at <= $1 AND ${ofWorkflows(2)}
         ORDER BY lease_expires_at LIMIT $3 FOR UPDATE SKIP LOCKED
       ), ready AS (
         SELECT id, ready_at FROM runs WHERE ready_at <= $1 AND ${ofWorkflows(2)}
         ORDER BY ready_at, id LIMIT $3 FOR UPDATE SKIP LOCKED
       ), picked AS (
         SELECT id FROM (SELECT id, 0 AS rank FROM expired UNION ALL SELECT id, 1 FROM ready) candidates
         ORDER BY rank LIMIT $3
       )
       UPDATE runs r SET status = 'running', lease_owner = $4, lease_epoch = r.lease_epoch + 1, lease_expires_at = $5,
         ready_at = NULL, attempt = r.attempt + 1, updated_at = $1
       FROM picked WHERE r.id = picked.id
       RETURNING ${RUN_COLUMNS.split(', ')
         .map((column) => `r.${column}`)
         .join(', ')}`,
      [
        request.now,
        ...workflowParams(request.workflows),
        request.limit,
        request.owner,
        request.now + request.leaseTtlMs,
      ],
    );
    const steps = await stepsOfRuns(
      this.conn,
      rows.map((row) => row.id),
    );
    return rows.map((row) => {
      const run = toRunRecord(row);
      return {
        run,
        lease: { runId: run.id, owner: request.owner, epoch: run.lease!.epoch },
        steps: steps.get(run.id) ?? [],
      };
    });
  }

  async renew(leases: readonly Lease[], now: number, leaseTtlMs: number): Promise<Lease[]> {
    if (leases.length === 0) return [];
    const renewed = await this.conn.query<{ id: string }>(
      `UPDATE runs r SET lease_expires_at = $1
       FROM unnest($2::text[], $3::text[], $4::bigint[]) AS l(id, owner, epoch)
       WHERE r.id = l.id AND r.lease_owner = l.owner AND r.lease_epoch = l.epoch
       RETURNING r.id`,
      [now + leaseTtlMs, leases.map((l) => l.runId), leases.map((l) => l.owner), leases.map((l) => l.epoch)],
    );
    const kept = new Set(renewed.map((row) => row.id));
    return leases.filter((lease) => !kept.has(lease.runId));
  }

  async finish(lease: Lease, outcome: FinishOutcome, steps: readonly StepWrite[], now: number): Promise<void> {
    const writes = stepWritesSql(steps, 9, 'finished');
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
    const [result] = await this.conn.query<{ fenced: number }>(
      `WITH finished AS (
         UPDATE runs SET status = $4, output = $5, error = $6, summary = $8, lease_owner = NULL, lease_expires_at = NULL,
           ready_at = NULL, updated_at = $7, finished_at = $7
         WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 RETURNING id, workflow, version
       ), ${writes.ctes}${deadLetter}
       SELECT count(*)::int AS fenced FROM finished`,
      params,
    );
    if (!result || result.fenced === 0) throw new LeaseLostError(lease.runId);
  }
}
