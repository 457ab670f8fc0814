import type { StepWrite } from '../checkpoint-store.js';
import type { ClaimedRun, ClaimRequest, FinishOutcome, Lease, QueueStore } from '../queue-store.js';
import { RUN_COLUMNS, toRunRecord, type RunRow } from '../run-rows.js';
import { stepsOfRuns } from './checkpoints.js';
import type { PgConnection } from './connection.js';
import { PgFlowControl } from './flow-control.js';
import type { PgGroupCommit } from './group-commit.js';
import { ofWorkflows, workflowParams } from './workflow-filter.js';

const CLAIMED_COLUMNS = RUN_COLUMNS.split(', ')
  .map((column) => `r.${column}`)
  .join(', ');

export class PgQueueStore implements QueueStore {
  private readonly flow: PgFlowControl;

  constructor(
    private readonly conn: PgConnection,
    channel: string,
    private readonly group: PgGroupCommit,
  ) {
    this.flow = new PgFlowControl(conn, channel);
  }

  /**
   * One statement leases the runs: candidates are locked with SKIP LOCKED, so workers claiming
   * at the same time take different runs and never wait on each other. Expired leases first.
   *
   * Runs waiting for a first claim under limits queue apart (flow_state 1). The same statement
   * looks at the head of that queue (an index probe, empty without limits): plain runs are taken
   * only up to its place, and it names the workflows with limited runs to admit or rate-limit
   * timers due. Only then does the flow-control claim take its short transaction under those
   * workflows' locks, and a last plain claim fills what slots are left.
   */
  async claim(request: ClaimRequest): Promise<ClaimedRun[]> {
    if (request.limit <= 0 || request.workflows.length === 0) return [];
    const rows: RunRow[] = [];
    for (let pass = 0; pass < 3 && rows.length < request.limit; pass++) {
      const { claimed, gated } = await this.claimPlain(request, request.limit - rows.length);
      rows.push(...claimed);
      if (gated.length === 0 || rows.length === request.limit) break;
      rows.push(...(await this.flow.claim(request, request.limit - rows.length, gated)));
    }
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

  private async claimPlain(request: ClaimRequest, limit: number): Promise<{ claimed: RunRow[]; gated: string[] }> {
    const result = await this.conn.query<RunRow & { gated_workflows: string[] }>(
      `WITH head AS (
         SELECT ready_at FROM runs WHERE flow_state = 1 AND held_on IS NULL AND ready_at <= $1 AND ${ofWorkflows(2)}
         ORDER BY ready_at, id LIMIT 1
       ), expired AS (
         SELECT id FROM runs WHERE lease_owner IS NOT NULL AND lease_expires_at <= $1 AND ${ofWorkflows(2)}
         ORDER BY lease_expires_at LIMIT $3 FOR UPDATE SKIP LOCKED
       ), ready AS (
         SELECT id, ready_at FROM runs
         WHERE ready_at <= COALESCE((SELECT ready_at FROM head), $1) AND flow_state <> 1 AND ${ofWorkflows(2)}
         ORDER BY ready_at, id LIMIT $3 FOR UPDATE SKIP LOCKED
       ), picked AS (
         SELECT id FROM (SELECT id, 0 AS rank FROM expired UNION ALL SELECT id, 1 FROM ready) candidates
         ORDER BY rank LIMIT $3
       ), claimed AS (
         UPDATE runs r SET status = 'running', lease_owner = $4, lease_epoch = r.lease_epoch + 1,
           lease_expires_at = $5, ready_at = NULL, attempt = r.attempt + 1, updated_at = $1
         FROM picked WHERE r.id = picked.id
         RETURNING ${CLAIMED_COLUMNS}
       ), gated AS (
         SELECT ARRAY(
           SELECT workflow FROM (
             SELECT workflow FROM runs WHERE flow_state = 1 AND held_on IS NULL AND ready_at <= $1 AND ${ofWorkflows(2)}
             ORDER BY ready_at, id LIMIT $3) AS waiting
           UNION SELECT workflow FROM flow_timers WHERE release_at <= $1 AND workflow = ANY($6::text[])
         ) AS gated_workflows
       )
       SELECT claimed.*, gated.gated_workflows FROM gated LEFT JOIN claimed ON true`,
      [
        request.now,
        ...workflowParams(request.workflows),
        limit,
        request.owner,
        request.now + request.leaseTtlMs,
        [...new Set(request.workflows.map((w) => w.name))],
      ],
    );
    const claimed: RunRow[] = [];
    for (const { gated_workflows: _gated, ...row } of result) if (row.id !== null) claimed.push(row);
    return { claimed, gated: result[0]?.gated_workflows ?? [] };
  }

  async renew(leases: readonly Lease[], now: number, leaseTtlMs: number): Promise<Lease[]> {
    if (leases.length === 0) return [];
    // The rows are locked in id order, as the group commit locks them, so a heartbeat and a batch
    // of checkpoints that share runs wait for each other instead of deadlocking.
    const renewed = await this.conn.query<{ id: string }>(
      `WITH held AS (
         SELECT r.id FROM runs r
         JOIN unnest($2::text[], $3::text[], $4::bigint[]) AS l(id, owner, epoch)
           ON r.id = l.id AND r.lease_owner = l.owner AND r.lease_epoch = l.epoch
         ORDER BY r.id
         FOR NO KEY UPDATE OF r
       )
       UPDATE runs SET lease_expires_at = $1 FROM held WHERE runs.id = held.id
       RETURNING runs.id`,
      [now + leaseTtlMs, leases.map((l) => l.runId), leases.map((l) => l.owner), leases.map((l) => l.epoch)],
    );
    const kept = new Set(renewed.map((row) => row.id));
    return leases.filter((lease) => !kept.has(lease.runId));
  }

  /**
   * Through the group commit (`PgGroupCommit`): the run's end shares a statement with the
   * checkpoints and ends of other runs written at the same time, fenced on its own lease.
   */
  finish(lease: Lease, outcome: FinishOutcome, steps: readonly StepWrite[], now: number): Promise<void> {
    return this.group.finish(lease, outcome, steps, now);
  }
}
