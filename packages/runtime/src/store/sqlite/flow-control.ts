import {
  distinctGates,
  GATED_COLUMNS,
  gateId,
  gatesOf,
  planAdmissions,
  toGatedRun,
  type Gate,
  type GatedRow,
  type GateState,
} from '../flow-gates.js';
import type { ClaimRequest } from '../queue-store.js';
import { RUN_COLUMNS, type RunRow } from '../run-rows.js';
import type { SqliteConnection } from './connection.js';

// INDEXED BY throughout: without statistics SQLite would reach these rows through runs_workflow
// and read every run of the workflow.
const candidates = (of: string): string =>
  `SELECT ${GATED_COLUMNS} FROM runs INDEXED BY runs_gated
   WHERE flow_state = 1 AND held_on IS NULL AND ready_at <= ? AND ${of} ORDER BY ready_at, id LIMIT ?`;
const inNamesSql = new Map<number, string>();
/** `workflow IN (?, …)` for `names` parameters; built once per count (this is on every claim). */
function inNames(names: number): string {
  let sql = inNamesSql.get(names);
  if (sql === undefined) {
    sql = `workflow IN (${Array.from({ length: names }, () => '?').join(', ')})`;
    inNamesSql.set(names, sql);
  }
  return sql;
}
// One statement for what a plain claim must know: where the limited queue starts, and whether a
// rate limit's timer is due. Both are index probes that find nothing when no workflow has limits.
const probe = (of: string, names: number): string =>
  `SELECT (SELECT ready_at FROM runs INDEXED BY runs_gated
     WHERE flow_state = 1 AND held_on IS NULL AND ready_at <= ? AND ${of} ORDER BY ready_at, id LIMIT 1) AS head,
   EXISTS (SELECT 1 FROM flow_timers INDEXED BY flow_timers_due WHERE release_at <= ? AND ${inNames(names)}) AS due`;
const dueTimers = (names: number): string =>
  `SELECT workflow, gate FROM flow_timers INDEXED BY flow_timers_due
   WHERE release_at <= ? AND ${inNames(names)} ORDER BY release_at LIMIT 64`;
const DELETE_TIMER = 'DELETE FROM flow_timers WHERE workflow = ? AND gate = ?';
const SET_TIMER = `INSERT INTO flow_timers (workflow, gate, release_at) VALUES (?, ?, ?)
  ON CONFLICT (workflow, gate) DO UPDATE SET release_at = min(release_at, excluded.release_at)`;
const COUNT_ACTIVE = `SELECT count(*) AS n FROM (SELECT 1 FROM runs INDEXED BY runs_flow_active
  WHERE workflow = ? AND flow_state = 2 AND finished_at IS NULL LIMIT ?)`;
const COUNT_KEY_ACTIVE = `SELECT count(*) AS n FROM (SELECT 1 FROM runs INDEXED BY runs_flow_active
  WHERE workflow = ? AND concurrency_key = ? AND flow_state = 2 AND finished_at IS NULL LIMIT ?)`;
const RATE_STARTS = `SELECT admitted_at AS at FROM runs INDEXED BY runs_rate_window
  WHERE workflow = ? AND rate_key = ? AND admitted_at > ? ORDER BY admitted_at DESC LIMIT ?`;
const ANY_HELD = 'SELECT 1 AS held FROM runs INDEXED BY runs_held WHERE workflow = ? AND held_on = ? LIMIT 1';
const HOLD = 'UPDATE runs SET held_on = ? WHERE id = ?';
const RELEASE = `UPDATE runs SET held_on = NULL WHERE id =
  (SELECT id FROM runs INDEXED BY runs_held WHERE workflow = ? AND held_on = ? ORDER BY ready_at, id LIMIT 1)`;
const ADMIT = `UPDATE runs SET status = 'running', lease_owner = ?, lease_epoch = lease_epoch + 1, lease_expires_at = ?,
  ready_at = NULL, attempt = attempt + 1, updated_at = ?, flow_state = 2, admitted_at = ?, held_on = NULL
  WHERE id = ? AND flow_state = 1 AND held_on IS NULL AND ready_at IS NOT NULL RETURNING ${RUN_COLUMNS}`;

/** A run row's flow columns, as `finish` and `cancel` return them. */
export type FlowRow = GatedRow & { flow_state: number };
export const FLOW_COLUMNS = `flow_state, ${GATED_COLUMNS}`;

/**
 * Flow control on SQLite: the first claims of runs under limits, and the releases that follow a
 * finish or a cancel. Every method runs inside a write transaction of the batcher, so the counts
 * it reads cannot change before it writes: SQLite has one writer at a time, across processes too.
 */
export class SqliteFlowControl {
  constructor(private readonly conn: SqliteConnection) {}

  /**
   * Admits up to `want` runs waiting under limits, in queue order, leasing them as a claim does;
   * holds the blocked ones it reads on their way. Reads at most a few times `want` candidates.
   * `released` says whether held runs became claimable (wake the workers). `of` is the claim's
   * condition on the workflow versions (`ofWorkflows`).
   */
  claim(
    request: ClaimRequest,
    want: number,
    of: { sql: string; params: Array<string | number> },
  ): { rows: RunRow[]; released: boolean } {
    const { now } = request;
    let released = false;
    const rows: RunRow[] = [];
    let budget = Math.max(32, want * 4);
    while (rows.length < want && budget > 0) {
      const asked = Math.min(budget, want - rows.length);
      const found = (this.conn.statement(candidates(of.sql)).all(now, ...of.params, asked) as GatedRow[]).map(
        toGatedRun,
      );
      if (found.length === 0) break;
      budget -= found.length;
      const plan = planAdmissions(found, this.readStates(distinctGates(found), now), now, want - rows.length);
      for (const { id, gate } of plan.hold) this.conn.statement(HOLD).run(gate, id);
      for (const gate of plan.release) released = this.release(gate.workflow, gate.name) || released;
      for (const t of plan.timers) this.conn.statement(SET_TIMER).run(t.workflow, t.gate, t.at);
      const admit = this.conn.statement(ADMIT);
      const expiresAt = now + request.leaseTtlMs;
      for (const id of plan.admit) {
        const row = admit.get(request.owner, expiresAt, now, now, id) as RunRow | undefined;
        if (row) rows.push(row);
      }
      if (found.length < asked && plan.release.length === 0) break;
    }
    return { rows, released };
  }

  /**
   * The queue position (`ready_at`) of the first run waiting under limits that may be admitted
   * now, if any: the plain claim takes runs queued before it, then this claim its turn. Applies
   * the rate limits' timers that are due first (each releases one held run); `released` says
   * whether any did.
   */
  head(
    now: number,
    of: { sql: string; params: Array<string | number> },
    workflows: readonly string[],
  ): { head: number | undefined; released: boolean } {
    const look = (): { head: number | null; due: number } =>
      this.conn.statement(probe(of.sql, workflows.length)).get(now, ...of.params, now, ...workflows) as {
        head: number | null;
        due: number;
      };
    let found = look();
    let released = false;
    if (found.due) {
      released = this.releaseDue(now, workflows);
      found = look();
    }
    return { head: found.head ?? undefined, released };
  }

  private releaseDue(now: number, workflows: readonly string[]): boolean {
    const due = this.conn.statement(dueTimers(workflows.length)).all(now, ...workflows) as Array<{
      workflow: string;
      gate: string;
    }>;
    let released = false;
    for (const timer of due) {
      this.conn.statement(DELETE_TIMER).run(timer.workflow, timer.gate);
      released = this.release(timer.workflow, timer.gate) || released;
    }
    return released;
  }

  /** After a run under limits finished: one held run of each of its concurrency limits may start. */
  releaseFinished(row: FlowRow | undefined): boolean {
    if (row?.flow_state !== 2) return false;
    return this.releaseAll(gatesOf(toGatedRun(row)).filter((gate) => gate.kind !== 'r'));
  }

  /**
   * After a run under limits was cancelled: whether it was active, held or about to be released
   * to the next, one held run of each of its limits is looked at again.
   */
  releaseCancelled(row: FlowRow | undefined): boolean {
    if (row === undefined || row.flow_state === 0) return false;
    return this.releaseAll(gatesOf(toGatedRun(row)));
  }

  private releaseAll(gates: Gate[]): boolean {
    let released = false;
    for (const gate of gates) released = this.release(gate.workflow, gate.name) || released;
    return released;
  }

  private release(workflow: string, gate: string): boolean {
    return this.conn.statement(RELEASE).run(workflow, gate).changes > 0;
  }

  private readStates(gates: Gate[], now: number): Map<string, GateState> {
    const states = new Map<string, GateState>();
    for (const gate of gates) {
      const state: GateState = { active: 0, starts: [], held: false };
      if (gate.kind === 'c') {
        state.active = (this.conn.statement(COUNT_ACTIVE).get(gate.workflow, gate.limit) as { n: number }).n;
      } else if (gate.kind === 'k') {
        state.active = (
          this.conn.statement(COUNT_KEY_ACTIVE).get(gate.workflow, gate.key, gate.limit) as { n: number }
        ).n;
      } else {
        state.starts = (
          this.conn.statement(RATE_STARTS).all(gate.workflow, gate.key, now - gate.periodMs, gate.limit) as Array<{
            at: number;
          }>
        ).map((row) => row.at);
      }
      state.held = this.conn.statement(ANY_HELD).get(gate.workflow, gate.name) !== undefined;
      states.set(gateId(gate.workflow, gate.name), state);
    }
    return states;
  }
}
