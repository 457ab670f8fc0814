import {
  distinctGates,
  GATED_COLUMNS,
  gateId,
  planAdmissions,
  toGatedRun,
  type Gate,
  type GatedRow,
  type GateState,
} from '../flow-gates.js';
import type { ClaimRequest, WorkflowKey } from '../queue-store.js';
import { RUN_COLUMNS, type RunRow } from '../run-rows.js';
import type { PgConnection, PgTransaction } from './connection.js';
import { ofWorkflows, workflowParams } from './workflow-filter.js';

export const FLOW_COLUMNS = `flow_state, ${GATED_COLUMNS}`;

/**
 * CTEs that record, in a finish or cancel statement, a release due now for each limit the run in
 * `source` frees (`flow_timers`, the table rate limits keep their next opening in), and wake the
 * workers when it commits. The next flow-control claim applies it under the workflow's lock: a
 * release written by the finish's own statement could miss a run that a concurrent claim, still
 * counting the finishing run, is about to hold. A finished run frees its concurrency limits; a
 * cancelled one, held or waiting to start, its rate limit too, so the run it may have been about
 * to release is looked at. The statement must select `(SELECT count(*) FROM flow_woken)`.
 */
export function releaseLimitsSql(source: string, now: string, channel: string, cancelled: boolean): string {
  const rate = cancelled ? `, (CASE WHEN s.rate_limit IS NOT NULL THEN 'r:' || s.rate_key END)` : '';
  return `flow_released AS (
    INSERT INTO flow_timers (workflow, gate, release_at)
    SELECT s.workflow, g.gate, ${now} FROM ${source} AS s CROSS JOIN LATERAL (VALUES
      (CASE WHEN s.concurrency_limit IS NOT NULL THEN 'c' END),
      (CASE WHEN s.key_limit IS NOT NULL THEN 'k:' || s.concurrency_key END)${rate}) AS g(gate)
    WHERE s.flow_state IN (${cancelled ? '1, 2' : '2'}) AND g.gate IS NOT NULL
    ON CONFLICT (workflow, gate) DO UPDATE SET release_at = LEAST(flow_timers.release_at, excluded.release_at)
    RETURNING 1
  ), flow_woken AS (SELECT pg_notify(${channel}, '') WHERE EXISTS (SELECT 1 FROM flow_released))`;
}

/**
 * Flow-controlled first claims and releases of one workflow are serialized by a transaction-level
 * advisory lock per workflow, taken in name order. Under READ COMMITTED each later statement of
 * the transaction sees everything committed by the previous holder, so two claimers can never
 * both count the same free slot, and a release can never miss a run held by a claim.
 */
const LOCK = `SELECT pg_advisory_xact_lock(hashtextextended($1 || w, 0))
  FROM (SELECT unnest($2::text[]) AS w ORDER BY 1) AS workflows`;
const RELEASE_DUE = `WITH due AS (
    DELETE FROM flow_timers WHERE release_at <= $1 AND workflow = ANY($2::text[]) RETURNING workflow, gate
  ), released AS (
    UPDATE runs SET held_on = NULL WHERE id IN (
      SELECT (SELECT id FROM runs r WHERE r.workflow = due.workflow AND r.held_on = due.gate ORDER BY ready_at, id LIMIT 1)
      FROM due)
    RETURNING id
  ) SELECT count(*)::int AS released FROM released`;
const candidates = (of: string): string =>
  `SELECT ${GATED_COLUMNS} FROM runs WHERE flow_state = 1 AND held_on IS NULL AND ready_at <= $1 AND ${of}
   ORDER BY ready_at, id LIMIT $3 FOR UPDATE SKIP LOCKED`;
// One row per gate: its active runs (c, k), its recent first claims (r), and whether runs wait held on it.
const STATES = `SELECT g.workflow, g.gate,
    CASE g.kind
      WHEN 'c' THEN (SELECT count(*)::int FROM (SELECT 1 FROM runs
        WHERE workflow = g.workflow AND flow_state = 2 AND finished_at IS NULL LIMIT g.lim) AS a)
      WHEN 'k' THEN (SELECT count(*)::int FROM (SELECT 1 FROM runs
        WHERE workflow = g.workflow AND concurrency_key = g.key AND flow_state = 2 AND finished_at IS NULL LIMIT g.lim) AS a)
      ELSE 0 END AS active,
    CASE WHEN g.kind = 'r' THEN ARRAY(SELECT admitted_at FROM runs
        WHERE workflow = g.workflow AND rate_key = g.key AND admitted_at > $1::bigint - g.period
        ORDER BY admitted_at DESC LIMIT g.lim)
      ELSE '{}'::bigint[] END AS starts,
    EXISTS (SELECT 1 FROM runs WHERE workflow = g.workflow AND held_on = g.gate) AS held
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[])
    AS g(workflow, gate, kind, key, lim, period)`;
// Admissions, holds, releases and timers of one plan; the rows they touch are disjoint.
const APPLY = `WITH admitted AS (
    UPDATE runs SET status = 'running', lease_owner = $1, lease_epoch = lease_epoch + 1, lease_expires_at = $2,
      ready_at = NULL, attempt = attempt + 1, updated_at = $3, flow_state = 2, admitted_at = $3, held_on = NULL
    WHERE id = ANY($4::text[]) AND flow_state = 1 AND held_on IS NULL AND ready_at IS NOT NULL
    RETURNING ${RUN_COLUMNS}
  ), held AS (
    UPDATE runs SET held_on = h.gate FROM unnest($5::text[], $6::text[]) AS h(id, gate) WHERE runs.id = h.id
  ), released AS (
    UPDATE runs SET held_on = NULL WHERE id IN (
      SELECT (SELECT id FROM runs r WHERE r.workflow = g.workflow AND r.held_on = g.gate ORDER BY ready_at, id LIMIT 1)
      FROM unnest($7::text[], $8::text[]) AS g(workflow, gate))
    RETURNING id
  ), timers AS (
    INSERT INTO flow_timers (workflow, gate, release_at) SELECT * FROM unnest($9::text[], $10::text[], $11::bigint[])
    ON CONFLICT (workflow, gate) DO UPDATE SET release_at = LEAST(flow_timers.release_at, excluded.release_at)
  )
  SELECT admitted.*, counts.released FROM (SELECT count(*)::int AS released FROM released) AS counts
  LEFT JOIN admitted ON true`;

/**
 * Flow control on PostgreSQL: the first claims of runs under limits, in a short transaction under
 * the lock of their workflows, which also applies the releases finishes and cancels recorded.
 * The plain claim (`queue.ts`) and the finish never take these locks.
 */
export class PgFlowControl {
  constructor(
    private readonly conn: PgConnection,
    private readonly channel: string,
  ) {}

  /**
   * Admits up to `want` runs of `workflows` (names, from the plain claim's look at the queue)
   * waiting under limits, in queue order, leasing them as a claim does; holds the blocked ones it
   * reads on their way. Reads at most a few times `want` candidates.
   */
  claim(request: ClaimRequest, want: number, workflows: readonly string[]): Promise<RunRow[]> {
    const locked = new Set(workflows);
    const versions: WorkflowKey[] = request.workflows.filter((w) => locked.has(w.name));
    if (versions.length === 0) return Promise.resolve([]);
    const { now } = request;
    return this.conn.transaction(async (tx) => {
      await this.lock(tx, [...locked]);
      let released = (await tx.query<{ released: number }>(RELEASE_DUE, [now, [...locked]]))[0]?.released ?? 0;
      const rows: RunRow[] = [];
      let budget = Math.max(32, want * 4);
      while (rows.length < want && budget > 0) {
        const asked = Math.min(budget, want - rows.length);
        const found = (
          await tx.query<GatedRow>(candidates(ofWorkflows(2)), [now, ...workflowParams(versions), asked])
        ).map(toGatedRun);
        if (found.length === 0) break;
        budget -= found.length;
        const states = await this.readStates(tx, distinctGates(found), now);
        const plan = planAdmissions(found, states, now, want - rows.length);
        const applied = await tx.query<RunRow & { released: number }>(APPLY, [
          request.owner,
          now + request.leaseTtlMs,
          now,
          plan.admit,
          plan.hold.map((h) => h.id),
          plan.hold.map((h) => h.gate),
          plan.release.map((g) => g.workflow),
          plan.release.map((g) => g.name),
          plan.timers.map((t) => t.workflow),
          plan.timers.map((t) => t.gate),
          plan.timers.map((t) => t.at),
        ]);
        released += applied[0]?.released ?? 0;
        for (const { released: _count, ...row } of applied) if (row.id !== null) rows.push(row);
        if (found.length < asked && plan.release.length === 0) break;
      }
      // Held runs made claimable: other workers may take them (delivered when this commits).
      if (released > 0) await tx.query('SELECT pg_notify($1, $2)', [this.channel, '']);
      return rows;
    });
  }

  private async lock(tx: PgTransaction, workflows: string[]): Promise<void> {
    await tx.query(LOCK, [`vigil.flow:${this.conn.schema}:`, workflows]);
  }

  private async readStates(tx: PgTransaction, gates: Gate[], now: number): Promise<Map<string, GateState>> {
    const rows = await tx.query<{ workflow: string; gate: string; active: number; starts: number[]; held: boolean }>(
      STATES,
      [
        now,
        gates.map((g) => g.workflow),
        gates.map((g) => g.name),
        gates.map((g) => g.kind),
        gates.map((g) => g.key),
        gates.map((g) => g.limit),
        gates.map((g) => g.periodMs),
      ],
    );
    const states = new Map<string, GateState>();
    for (const row of rows) {
      states.set(gateId(row.workflow, row.gate), {
        active: row.active,
        starts: row.starts.map(Number),
        held: row.held,
      });
    }
    return states;
  }
}
