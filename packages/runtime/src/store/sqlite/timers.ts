import type { StepWrite } from '../checkpoint-store.js';
import type { Lease, WorkflowKey } from '../queue-store.js';
import type { Suspension, TimerStore } from '../timer-store.js';
import { upsertSteps } from './checkpoints.js';
import type { SqliteConnection } from './connection.js';
import { ofWorkflows } from './queue.js';

const SUSPEND = `UPDATE runs SET status = ?, ready_at = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
  WHERE id = ? AND lease_owner = ? AND lease_epoch = ?`;
// Runs held by a full limit are left out: a finish or a rate limit's timer (flow_timers) releases them.
const nextWake = (of: string, names: number): string => `SELECT min(at) AS at FROM (
  SELECT min(ready_at) AS at FROM runs INDEXED BY runs_ready WHERE ready_at IS NOT NULL AND flow_state <> 1 AND ${of}
  UNION ALL
  SELECT min(ready_at) AS at FROM runs INDEXED BY runs_gated
  WHERE flow_state = 1 AND held_on IS NULL AND ready_at IS NOT NULL AND ${of}
  UNION ALL
  SELECT min(lease_expires_at) AS at FROM runs INDEXED BY runs_lease_expiry WHERE lease_owner IS NOT NULL AND ${of}
  UNION ALL
  SELECT min(release_at) AS at FROM flow_timers
  WHERE workflow IN (${Array.from({ length: names }, () => '?').join(', ')}))`;

export class SqliteTimerStore implements TimerStore {
  constructor(
    private readonly conn: SqliteConnection,
    private readonly notifyWorkAvailable: () => void,
  ) {}

  suspend(lease: Lease, suspension: Suspension, steps: readonly StepWrite[], now: number): Promise<void> {
    const result = this.conn.batcher.run(() => {
      this.conn.assertLease(lease);
      upsertSteps(this.conn, lease.runId, steps);
      this.conn
        .statement(SUSPEND)
        .run(suspension.status, suspension.wakeAt, now, lease.runId, lease.owner, lease.epoch);
    });
    // A run handed back for immediate pickup should not wait for another worker's poll.
    return suspension.wakeAt !== null && suspension.wakeAt <= now ? result.then(this.notifyWorkAvailable) : result;
  }

  nextWakeAt(workflows: readonly WorkflowKey[]): Promise<number | null> {
    if (workflows.length === 0) return Promise.resolve(null);
    const of = ofWorkflows(workflows);
    const names = [...new Set(workflows.map((w) => w.name))];
    const row = this.conn
      .statement(nextWake(of.sql, names.length))
      .get(...of.params, ...of.params, ...of.params, ...names) as { at: number | null };
    return Promise.resolve(row.at);
  }
}
