/**
 * Flow control's decisions, the same for every store (decision record 7): which runs waiting for
 * their first claim under limits are admitted now, which are held and by which limit, which held
 * runs a limit with room releases, and when a full rate limit next has room. A store reads the
 * state of each limit and applies the plan in the claim's transaction, serialized per workflow.
 *
 * Held runs are how a blocked limit stops costing the claim anything: a run found blocked leaves
 * the queue the claim reads (it keeps its place, `ready_at`) until its limit releases it. So a
 * limit that gains room must release one: a finishing or cancelled run releases one held run of
 * each of its concurrency limits, a rate limit's timer one of its own, and a claim one of each
 * limit it found room in (the released run is checked again, and releases the next). Releasing
 * too many costs a second look; releasing too few would strand runs, so every path errs that way.
 */

/** A run waiting for its first claim under limits, as the claim reads it. */
export interface GatedRun {
  id: string;
  workflow: string;
  concurrencyLimit: number | null;
  concurrencyKey: string | null;
  keyLimit: number | null;
  rateLimit: number | null;
  ratePeriodMs: number | null;
  rateKey: string | null;
}

/** The columns of a run row that {@link GatedRun} is read from. */
export const GATED_COLUMNS =
  'id, workflow, concurrency_limit, concurrency_key, key_limit, rate_limit, rate_period_ms, rate_key';

export interface GatedRow {
  id: string;
  workflow: string;
  concurrency_limit: number | null;
  concurrency_key: string | null;
  key_limit: number | null;
  rate_limit: number | null;
  rate_period_ms: number | null;
  rate_key: string | null;
}

export function toGatedRun(row: GatedRow): GatedRun {
  return {
    id: row.id,
    workflow: row.workflow,
    concurrencyLimit: row.concurrency_limit,
    concurrencyKey: row.concurrency_key,
    keyLimit: row.key_limit,
    rateLimit: row.rate_limit,
    ratePeriodMs: row.rate_period_ms,
    rateKey: row.rate_key,
  };
}

/** One limit of one workflow. */
export interface Gate {
  workflow: string;
  /** What `held_on` and `flow_timers.gate` store: `c`, `k:<key>` or `r:<key>` (`r:` workflow-wide). */
  name: string;
  kind: 'c' | 'k' | 'r';
  /** The key of a `k` or `r` gate ('' for a workflow-wide rate); null for `c`. */
  key: string | null;
  limit: number;
  /** The window of an `r` gate; 0 for the others. */
  periodMs: number;
}

/** What a store reads of a gate before deciding. */
export interface GateState {
  /** `c` and `k`: active runs, counted up to the limit. */
  active: number;
  /** `r`: first claims within the period, newest first, at most `limit` of them. */
  starts: number[];
  /** Whether any run is held on it. */
  held: boolean;
}

export interface AdmissionPlan {
  /** Runs to lease now, in queue order. */
  admit: string[];
  /** Runs to hold, each on the first limit that blocked it. */
  hold: Array<{ id: string; gate: string }>;
  /** Gates with room and held runs: release the first held run of each. */
  release: Gate[];
  /** Full rate gates with held runs: release one of them at `at`. */
  timers: Array<{ workflow: string; gate: string; at: number }>;
}

export const gateId = (workflow: string, name: string): string => `${workflow}\u0000${name}`;

/** A run's limits in the order they are checked: workflow-wide, keyed, then rate (so a blocked run spends no start). */
export function gatesOf(run: GatedRun): Gate[] {
  const gates: Gate[] = [];
  const { workflow } = run;
  if (run.concurrencyLimit !== null) {
    gates.push({ workflow, name: 'c', kind: 'c', key: null, limit: run.concurrencyLimit, periodMs: 0 });
  }
  if (run.keyLimit !== null && run.concurrencyKey !== null) {
    const key = run.concurrencyKey;
    gates.push({ workflow, name: `k:${key}`, kind: 'k', key, limit: run.keyLimit, periodMs: 0 });
  }
  if (run.rateLimit !== null && run.ratePeriodMs !== null && run.rateKey !== null) {
    const key = run.rateKey;
    gates.push({ workflow, name: `r:${key}`, kind: 'r', key, limit: run.rateLimit, periodMs: run.ratePeriodMs });
  }
  return gates;
}

/**
 * The distinct gates of `runs`, each with the largest limit and period any of them asks for
 * (runs of different versions can carry different limits): what to read the state of.
 */
export function distinctGates(runs: readonly GatedRun[]): Gate[] {
  const gates = new Map<string, Gate>();
  for (const gate of runs.flatMap(gatesOf)) {
    const id = gateId(gate.workflow, gate.name);
    const seen = gates.get(id);
    if (!seen) gates.set(id, { ...gate });
    else {
      seen.limit = Math.max(seen.limit, gate.limit);
      seen.periodMs = Math.max(seen.periodMs, gate.periodMs);
    }
  }
  return [...gates.values()];
}

/** Starts of an `r` gate that still count at `now` for a gate with this period. */
function startsInWindow(gate: Gate, state: GateState, now: number): number[] {
  return state.starts.filter((at) => at > now - gate.periodMs);
}

function hasRoom(gate: Gate, state: GateState, now: number): boolean {
  if (gate.kind !== 'r') return state.active < gate.limit;
  return startsInWindow(gate, state, now).length < gate.limit;
}

/** When a full `r` gate next has room: the `limit`-th newest start leaves the window. */
export function rateOpensAt(gate: Gate, state: GateState, now: number): number {
  const starts = startsInWindow(gate, state, now);
  const oldestCounted = starts[gate.limit - 1] ?? now;
  return oldestCounted + gate.periodMs;
}

/**
 * Decides, in queue order, for up to `limit` admissions. A candidate passes when every one of its
 * limits has room; it is then admitted and counted. Otherwise it is held on the first limit that
 * is full. `states` must hold every gate of every candidate; it is updated as the plan goes.
 */
export function planAdmissions(
  candidates: readonly GatedRun[],
  states: Map<string, GateState>,
  now: number,
  limit: number,
): AdmissionPlan {
  const plan: AdmissionPlan = { admit: [], hold: [], release: [], timers: [] };
  const released = new Set<string>();
  const timers = new Map<string, { workflow: string; gate: string; at: number }>();
  const stateOf = (gate: Gate): GateState => {
    const state = states.get(gateId(gate.workflow, gate.name));
    if (!state) throw new Error(`flow control: no state read for ${gate.workflow} ${gate.name}`);
    return state;
  };
  const release = (gate: Gate): void => {
    const id = gateId(gate.workflow, gate.name);
    if (released.has(id)) return;
    released.add(id);
    plan.release.push(gate);
  };
  const timer = (gate: Gate, state: GateState): void => {
    const at = rateOpensAt(gate, state, now);
    const id = gateId(gate.workflow, gate.name);
    const seen = timers.get(id);
    if (!seen || at < seen.at) timers.set(id, { workflow: gate.workflow, gate: gate.name, at });
  };

  for (const candidate of candidates) {
    if (plan.admit.length >= limit) break;
    const gates = gatesOf(candidate);
    const blocked = gates.findIndex((gate) => !hasRoom(gate, stateOf(gate), now));
    if (blocked === -1) {
      plan.admit.push(candidate.id);
      for (const gate of gates) {
        const state = stateOf(gate);
        if (gate.kind === 'r') state.starts.unshift(now);
        else state.active++;
        if (!state.held) continue;
        if (hasRoom(gate, state, now)) release(gate);
        else if (gate.kind === 'r') timer(gate, state);
      }
      continue;
    }
    const gate = gates[blocked]!;
    const state = stateOf(gate);
    plan.hold.push({ id: candidate.id, gate: gate.name });
    state.held = true;
    if (gate.kind === 'r') timer(gate, state);
    // Room it leaves unused in its other limits may go to a run held on one of them.
    for (const other of gates) {
      if (other !== gate && stateOf(other).held && hasRoom(other, stateOf(other), now)) release(other);
    }
  }
  plan.timers = [...timers.values()];
  return plan;
}
