import type { StepWrite } from '../checkpoint-store.js';
import type { ClaimedRun, ClaimRequest, FinishOutcome, Lease, QueueStore, WorkflowKey } from '../queue-store.js';
import { selectSteps, upsertSteps } from './checkpoints.js';
import type { SqliteConnection } from './connection.js';
import { RUN_COLUMNS, toRunRecord, type RunRow } from './runs.js';

/** `(workflow, version)` pairs as one JSON array of `name@version`, for `json_each`. */
export function workflowKeysJson(workflows: readonly WorkflowKey[]): string {
  return JSON.stringify(workflows.map((w) => `${w.name}@${w.version}`));
}

const OF_WORKFLOWS = `(workflow || '@' || version) IN (SELECT value FROM json_each(?))`;
const SELECT_EXPIRED = `SELECT id FROM runs WHERE lease_owner IS NOT NULL AND lease_expires_at <= ? AND ${OF_WORKFLOWS}
  ORDER BY lease_expires_at LIMIT ?`;
const SELECT_READY = `SELECT id FROM runs WHERE ready_at <= ? AND ${OF_WORKFLOWS} ORDER BY ready_at, id LIMIT ?`;
const LEASE = `UPDATE runs SET status = 'running', lease_owner = ?, lease_epoch = lease_epoch + 1, lease_expires_at = ?,
  ready_at = NULL, attempt = attempt + 1, updated_at = ? WHERE id = ? RETURNING ${RUN_COLUMNS}`;
const RENEW = `UPDATE runs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND lease_epoch = ?`;
const FINISH = `UPDATE runs SET status = ?, output = ?, error = ?, lease_owner = NULL, lease_expires_at = NULL,
  ready_at = NULL, updated_at = ?, finished_at = ? WHERE id = ? AND lease_owner = ? AND lease_epoch = ?`;

export class SqliteQueueStore implements QueueStore {
  constructor(private readonly conn: SqliteConnection) {}

  claim(request: ClaimRequest): Promise<ClaimedRun[]> {
    if (request.limit <= 0 || request.workflows.length === 0) return Promise.resolve([]);
    return this.conn.batcher.run(() => {
      const keys = workflowKeysJson(request.workflows);
      const expired = this.conn.statement(SELECT_EXPIRED).all(request.now, keys, request.limit) as Array<{
        id: string;
      }>;
      const ids = expired.map((row) => row.id);
      if (ids.length < request.limit) {
        const ready = this.conn.statement(SELECT_READY).all(request.now, keys, request.limit - ids.length) as Array<{
          id: string;
        }>;
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
          outcome.status === 'completed' ? outcome.output : null,
          outcome.status === 'failed' ? JSON.stringify(outcome.error) : null,
          now,
          now,
          lease.runId,
          lease.owner,
          lease.epoch,
        );
    });
  }
}
