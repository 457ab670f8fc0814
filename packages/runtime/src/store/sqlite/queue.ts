import type { StepWrite } from '../checkpoint-store.js';
import type { ClaimedRun, ClaimRequest, FinishOutcome, Lease, QueueStore, WorkflowKey } from '../queue-store.js';
import { selectSteps, upsertSteps } from './checkpoints.js';
import type { SqliteConnection } from './connection.js';
import { FLOW_COLUMNS, SqliteFlowControl, type FlowRow } from './flow-control.js';
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
// Runs waiting for a first claim under limits (flow_state 1) are not in runs_ready: the flow
// control claim takes them (`flow-control.ts`).
const selectReady = (of: string): string =>
  `SELECT id FROM runs INDEXED BY runs_ready WHERE ready_at <= ? AND flow_state <> 1 AND ${of}
   ORDER BY ready_at, id LIMIT ?`;
const LEASE = `UPDATE runs SET status = 'running', lease_owner = ?, lease_epoch = lease_epoch + 1, lease_expires_at = ?,
  ready_at = NULL, attempt = attempt + 1, updated_at = ? WHERE id = ? RETURNING ${RUN_COLUMNS}`;
const RENEW = `UPDATE runs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND lease_epoch = ?`;
const FINISH = `UPDATE runs SET status = ?, output = ?, error = ?, summary = ?, lease_owner = NULL, lease_expires_at = NULL,
  ready_at = NULL, updated_at = ?, finished_at = ? WHERE id = ? AND lease_owner = ? AND lease_epoch = ?
  RETURNING ${FLOW_COLUMNS}`;
const DEAD_LETTER = `INSERT INTO dead_letters (id, run_id, workflow, version, reason, error, failed_seq, failed_step, context, created_at)
  SELECT ?, id, workflow, version, ?, error, ?, ?, ?, ? FROM runs WHERE id = ?`;

export class SqliteQueueStore implements QueueStore {
  private readonly flow: SqliteFlowControl;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly notifyWorkAvailable: () => void,
  ) {
    this.flow = new SqliteFlowControl(conn);
  }

  /**
   * One transaction: expired leases first, then ready runs in queue order. Runs waiting for a
   * first claim under limits form a queue of their own (`flow-control.ts`); the two are merged by
   * `ready_at`: plain runs queued before the first limited one, then limited ones, then the rest.
   */
  async claim(request: ClaimRequest): Promise<ClaimedRun[]> {
    if (request.limit <= 0 || request.workflows.length === 0) return [];
    const { claimed, released } = await this.conn.batcher.run(() => {
      const { now, limit } = request;
      const of = ofWorkflows(request.workflows);
      const lease = this.conn.statement(LEASE);
      const expiresAt = now + request.leaseTtlMs;
      const leaseAll = (ids: Array<{ id: string }>): RunRow[] =>
        ids.map(({ id }) => lease.get(request.owner, expiresAt, now, id) as RunRow);
      const rows = leaseAll(
        this.conn.statement(selectExpired(of.sql)).all(now, ...of.params, limit) as Array<{ id: string }>,
      );
      const names = [...new Set(request.workflows.map((w) => w.name))];
      let released = false;
      for (let pass = 0; pass < 3 && rows.length < limit; pass++) {
        const { head, released: due } = this.flow.head(now, of, names);
        released ||= due;
        const ready = this.conn
          .statement(selectReady(of.sql))
          .all(head ?? now, ...of.params, limit - rows.length) as Array<{ id: string }>;
        rows.push(...leaseAll(ready));
        if (head === undefined || rows.length === limit) break;
        const gated = this.flow.claim(request, limit - rows.length, of);
        rows.push(...gated.rows);
        released ||= gated.released;
      }
      return {
        claimed: rows.map((row): ClaimedRun => {
          const run = toRunRecord(row);
          return {
            run,
            lease: { runId: run.id, owner: request.owner, epoch: run.lease!.epoch },
            steps: selectSteps(this.conn, run.id),
          };
        }),
        released,
      };
    });
    if (released) this.notifyWorkAvailable();
    return claimed;
  }

  renew(leases: readonly Lease[], now: number, leaseTtlMs: number): Promise<Lease[]> {
    if (leases.length === 0) return Promise.resolve([]);
    return this.conn.batcher.run(() => {
      const renew = this.conn.statement(RENEW);
      return leases.filter((lease) => renew.run(now + leaseTtlMs, lease.runId, lease.owner, lease.epoch).changes === 0);
    });
  }

  async finish(lease: Lease, outcome: FinishOutcome, steps: readonly StepWrite[], now: number): Promise<void> {
    const released = await this.conn.batcher.run(() => {
      this.conn.assertLease(lease);
      upsertSteps(this.conn, lease.runId, steps);
      const finished = this.conn
        .statement(FINISH)
        .get(
          outcome.status,
          'output' in outcome ? outcome.output : null,
          'error' in outcome ? JSON.stringify(outcome.error) : null,
          outcome.status === 'completed_partial' ? outcome.summary : null,
          now,
          now,
          lease.runId,
          lease.owner,
          lease.epoch,
        ) as FlowRow | undefined;
      if (outcome.status === 'dead_lettered') {
        const letter = outcome.deadLetter;
        this.conn
          .statement(DEAD_LETTER)
          .run(letter.id, letter.reason, letter.failedSeq, letter.failedStep, letter.context, now, lease.runId);
      }
      return this.flow.releaseFinished(finished);
    });
    // A run under limits freed its slot: a held run is claimable now, not at the next poll.
    if (released) this.notifyWorkAvailable();
  }
}
