import type { StepWrite } from '../checkpoint-store.js';
import type { ClaimedRun, ClaimRequest, FinishOutcome, Lease, QueueStore, WorkflowKey } from '../queue-store.js';
import { selectSteps, upsertSteps } from './checkpoints.js';
import type { SqliteConnection } from './connection.js';
import { RUN_COLUMNS, toRunRecord, type RunRow } from '../run-rows.js';

/**
 * A SQL condition matching runs of the given workflow versions, and its parameters. The text
 * depends only on how many there are, so each worker's statements are prepared once.
 */
export function ofWorkflows(workflows: readonly WorkflowKey[]): { sql: string; params: Array<string | number> } {
  return {
    sql: `(workflow, version) IN (VALUES ${workflows.map(() => '(?, ?)').join(', ')})`,
    params: workflows.flatMap((w) => [w.name, w.version]),
  };
}

// INDEXED BY: without statistics, SQLite picks runs_workflow for the workflow filter and scans
// every run of the workflow, finished ones included, on every claim.
const selectExpired = (of: string): string =>
  `SELECT id FROM runs INDEXED BY runs_lease_expiry WHERE lease_owner IS NOT NULL AND lease_expires_at <= ?
   AND ${of} ORDER BY lease_expires_at LIMIT ?`;
const selectReady = (of: string): string =>
  `SELECT id FROM runs INDEXED BY runs_ready WHERE ready_at <= ? AND ${of} ORDER BY ready_at, id LIMIT ?`;
const LEASE = `UPDATE runs SET status = 'running', lease_owner = ?, lease_epoch = lease_epoch + 1, lease_expires_at = ?,
  ready_at = NULL, attempt = attempt + 1, updated_at = ? WHERE id = ? RETURNING ${RUN_COLUMNS}`;
const RENEW = `UPDATE runs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND lease_epoch = ?`;
const FINISH = `UPDATE runs SET status = ?, output = ?, error = ?, summary = ?, lease_owner = NULL, lease_expires_at = NULL,
  ready_at = NULL, updated_at = ?, finished_at = ? WHERE id = ? AND lease_owner = ? AND lease_epoch = ?`;
const DEAD_LETTER = `INSERT INTO dead_letters (id, run_id, workflow, version, reason, error, failed_seq, failed_step, context, created_at)
  SELECT ?, id, workflow, version, ?, error, ?, ?, ?, ? FROM runs WHERE id = ?`;

export class SqliteQueueStore implements QueueStore {
  constructor(private readonly conn: SqliteConnection) {}

  claim(request: ClaimRequest): Promise<ClaimedRun[]> {
    if (request.limit <= 0 || request.workflows.length === 0) return Promise.resolve([]);
    return this.conn.batcher.run(() => {
      const of = ofWorkflows(request.workflows);
      const expired = this.conn
        .statement(selectExpired(of.sql))
        .all(request.now, ...of.params, request.limit) as Array<{ id: string }>;
      const ids = expired.map((row) => row.id);
      if (ids.length < request.limit) {
        const ready = this.conn
          .statement(selectReady(of.sql))
          .all(request.now, ...of.params, request.limit - ids.length) as Array<{ id: string }>;
        for (const row of ready) ids.push(row.id);
      }
      const lease = this.conn.statement(LEASE);
      const expiresAt = request.now + request.leaseTtlMs;
      return ids.map((id): ClaimedRun => {
        const run = toRunRecord(lease.get(request.owner, expiresAt, request.now, id) as RunRow);
        return {
          run,
          lease: { runId: id, owner: request.owner, epoch: run.lease!.epoch },
          steps: selectSteps(this.conn, id),
        };
      });
    });
  }

  renew(leases: readonly Lease[], now: number, leaseTtlMs: number): Promise<Lease[]> {
    if (leases.length === 0) return Promise.resolve([]);
    return this.conn.batcher.run(() => {
      const renew = this.conn.statement(RENEW);
      return leases.filter((lease) => renew.run(now + leaseTtlMs, lease.runId, lease.owner, lease.epoch).changes === 0);
    });
  }

  finish(lease: Lease, outcome: FinishOutcome, steps: readonly StepWrite[], now: number): Promise<void> {
    return this.conn.batcher.run(() => {
      this.conn.assertLease(lease);
      upsertSteps(this.conn, lease.runId, steps);
      this.conn
        .statement(FINISH)
        .run(
          outcome.status,
          'output' in outcome ? outcome.output : null,
          'error' in outcome ? JSON.stringify(outcome.error) : null,
          outcome.status === 'completed_partial' ? outcome.summary : null,
          now,
          now,
          lease.runId,
          lease.owner,
          lease.epoch,
        );
      if (outcome.status === 'dead_lettered') {
        const letter = outcome.deadLetter;
        this.conn
          .statement(DEAD_LETTER)
          .run(letter.id, letter.reason, letter.failedSeq, letter.failedStep, letter.context, now, lease.runId);
      }
    });
  }
}
