import { LeaseLostError } from '../../core/errors.js';
import type { StepWrite } from '../checkpoint-store.js';
import type { Lease, WorkflowKey } from '../queue-store.js';
import type { Suspension, TimerStore } from '../timer-store.js';
import type { PgConnection } from './connection.js';
import { ofWorkflows, workflowParams } from './workflow-filter.js';
import { stagesAudit, stepWritesSql } from './step-arrays.js';

export class PgTimerStore implements TimerStore {
  constructor(
    private readonly conn: PgConnection,
    private readonly channel: string,
    /** Told when a suspension that staged audit entries (`StepWrite.audit`) has committed. */
    private readonly onStaged: () => void,
  ) {}

  async suspend(lease: Lease, suspension: Suspension, steps: readonly StepWrite[], now: number): Promise<void> {
    const writes = stepWritesSql([{ runId: lease.runId, steps }], 8, 'suspended');
    // A run handed back for immediate pickup wakes idle workers when this commits.
    const [result] = await this.conn.query<{ fenced: number }>(
      `WITH suspended AS (
         UPDATE runs SET status = $4, ready_at = $5, lease_owner = NULL, lease_expires_at = NULL, updated_at = $6
         WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 RETURNING id
       ), ${writes.ctes},
       woken AS (SELECT pg_notify($7, '') FROM suspended WHERE $5::bigint <= $6::bigint)
       SELECT count(*)::int AS fenced, (SELECT count(*) FROM woken) AS notified FROM suspended`,
      [
        lease.runId,
        lease.owner,
        lease.epoch,
        suspension.status,
        suspension.wakeAt,
        now,
        this.channel,
        ...writes.params,
      ],
    );
    if (!result || result.fenced === 0) throw new LeaseLostError(lease.runId);
    if (stagesAudit(steps)) this.onStaged();
  }

  async nextWakeAt(workflows: readonly WorkflowKey[]): Promise<number | null> {
    if (workflows.length === 0) return null;
    // Runs held by a full limit are left out: a finish or a rate limit's timer (flow_timers) releases them.
    const [row] = await this.conn.query<{ at: number | null }>(
      `SELECT LEAST(
         (SELECT min(ready_at) FROM runs WHERE ready_at IS NOT NULL AND flow_state <> 1 AND ${ofWorkflows(1)}),
         (SELECT min(ready_at) FROM runs
          WHERE flow_state = 1 AND held_on IS NULL AND ready_at IS NOT NULL AND ${ofWorkflows(1)}),
         (SELECT min(lease_expires_at) FROM runs WHERE lease_owner IS NOT NULL AND ${ofWorkflows(1)}),
         (SELECT min(release_at) FROM flow_timers WHERE workflow = ANY($2::text[]))
       ) AS at`,
      [...workflowParams(workflows), [...new Set(workflows.map((w) => w.name))]],
    );
    return row?.at ?? null;
  }
}
