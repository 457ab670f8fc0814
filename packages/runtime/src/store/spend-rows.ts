import { fromNanos, toNanos } from '../core/budget.js';
import type {
  CounterKey,
  CounterRecord,
  LedgerEntry,
  Refusal,
  ReservationRequest,
  ScopeLimit,
  SoftLimitCrossing,
  SpendGrouping,
  SpendScope,
  SpendTotal,
  TokenCounts,
} from './spend-store.js';

/** Money columns hold whole nano-dollars (see `toNanos`). */
export const LEDGER_COLUMNS =
  'run_id, seq, attempt, workflow, agent, step, kind, target, state, estimate_nanos, nanos, scopes, day, ' +
  'input_tokens, output_tokens, cached_tokens, reasoning_tokens, reserved_at, settled_at';

export interface LedgerRow {
  run_id: string;
  seq: number;
  attempt: number;
  workflow: string;
  agent: string;
  step: string;
  kind: string;
  target: string;
  state: string;
  estimate_nanos: number;
  nanos: number | null;
  scopes: string;
  day: string;
  input_tokens: number | null;
  output_tokens: number | null;
  cached_tokens: number | null;
  reasoning_tokens: number | null;
  reserved_at: number;
  settled_at: number | null;
}

/** A scope as the reservation row keeps it, for settling against the same counters later. */
export interface StoredScope extends CounterKey {
  limitNanos: number | null;
  softAt: number | null;
}

export function storedScopes(scopes: readonly ScopeLimit[]): StoredScope[] {
  return sortScopes(
    scopes.map(({ scope, key, period, limitUsd, softAt }) => ({
      scope,
      key,
      period,
      limitNanos: limitUsd === null ? null : toNanos(limitUsd),
      softAt,
    })),
  );
}

/**
 * Counters in the one order every transaction locks them in (scope, key, period), so two
 * reservations over overlapping counters never wait on each other in a cycle.
 */
export function sortScopes<T extends CounterKey>(scopes: T[]): T[] {
  return [...scopes].sort((a, b) => compare(a.scope, b.scope) || compare(a.key, b.key) || compare(a.period, b.period));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The values of a new reservation row, in `LEDGER_COLUMNS` order. */
export function reservationValues(request: ReservationRequest, day: string, now: number): unknown[] {
  return [
    request.runId,
    request.seq,
    request.attempt,
    request.workflow,
    request.agent,
    request.step,
    request.kind,
    request.target,
    'reserved',
    toNanos(request.usd),
    null,
    JSON.stringify(storedScopes(request.scopes)),
    day,
    null,
    null,
    null,
    null,
    now,
    null,
  ];
}

export function toLedgerEntry(row: LedgerRow): LedgerEntry {
  const tokens: TokenCounts | null =
    row.input_tokens === null
      ? null
      : {
          input: row.input_tokens,
          output: row.output_tokens ?? 0,
          cached: row.cached_tokens ?? 0,
          reasoning: row.reasoning_tokens ?? 0,
        };
  return {
    runId: row.run_id,
    seq: row.seq,
    attempt: row.attempt,
    workflow: row.workflow,
    agent: row.agent,
    step: row.step,
    kind: row.kind as LedgerEntry['kind'],
    target: row.target,
    state: row.state as LedgerEntry['state'],
    estimateUsd: fromNanos(row.estimate_nanos),
    usd: row.nanos === null ? null : fromNanos(row.nanos),
    tokens,
    day: row.day,
    reservedAt: row.reserved_at,
    settledAt: row.settled_at,
  };
}

/** A counter as locked for a decision: its amounts and the limit an operator raised, if any. */
export interface CounterState extends CounterKey {
  settled: number;
  reserved: number;
  /** From `budget_limits`: wins over the declared limit. */
  raised: number | null;
  softNotified: boolean;
}

/**
 * Whether `nanos` more fits in every counter: the first scope (in the request's order) where
 * settled + reserved + nanos would pass the limit in force refuses. `states` must hold the
 * counters as they are before this request.
 */
export function firstRefusal(
  scopes: readonly ScopeLimit[],
  states: readonly CounterState[],
  nanos: number,
): Refusal | null {
  for (const scope of scopes) {
    const state = states.find((s) => sameCounter(s, scope));
    const declared = scope.limitUsd === null ? null : toNanos(scope.limitUsd);
    const limit = state?.raised ?? declared;
    if (limit === null) continue;
    const spent = (state?.settled ?? 0) + (state?.reserved ?? 0);
    if (spent + nanos > limit) {
      return {
        scope: scope.scope,
        key: scope.key,
        period: scope.period,
        limitUsd: fromNanos(limit),
        spentUsd: fromNanos(spent),
        requestedUsd: fromNanos(nanos),
      };
    }
  }
  return null;
}

/** The counters whose settled spend now reaches their soft limit and had not been reported. */
export function softCrossings(scopes: readonly StoredScope[], states: readonly CounterState[]): SoftLimitCrossing[] {
  const crossed: SoftLimitCrossing[] = [];
  for (const scope of scopes) {
    const state = states.find((s) => sameCounter(s, scope));
    if (!state || state.softNotified || scope.softAt === null) continue;
    const limit = state.raised ?? scope.limitNanos;
    if (limit === null) continue;
    if (state.settled >= Math.ceil(limit * scope.softAt)) {
      crossed.push({
        scope: scope.scope,
        key: scope.key,
        period: scope.period,
        limitUsd: fromNanos(limit),
        spentUsd: fromNanos(state.settled),
      });
    }
  }
  return crossed;
}

export function sameCounter(a: CounterKey, b: CounterKey): boolean {
  return a.scope === b.scope && a.key === b.key && a.period === b.period;
}

export interface CounterRow {
  scope: string;
  key: string;
  period: string;
  settled_nanos: number;
  reserved_nanos: number;
}

export function toCounterRecord(row: CounterRow): CounterRecord {
  return {
    scope: row.scope as SpendScope,
    key: row.key,
    period: row.period,
    settledUsd: fromNanos(row.settled_nanos),
    reservedUsd: fromNanos(row.reserved_nanos),
  };
}

/** The ledger column each grouping of `totals` groups by. */
export const GROUP_COLUMNS: Record<SpendGrouping, string> = {
  workflow: 'workflow',
  target: 'target',
  day: 'day',
  run: 'run_id',
  agent: 'agent',
};

export interface TotalRow {
  grp: string;
  nanos: number;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
}

export function toSpendTotal(row: TotalRow): SpendTotal {
  return {
    group: row.grp,
    usd: fromNanos(Number(row.nanos)),
    calls: Number(row.calls),
    tokens: {
      input: Number(row.input_tokens),
      output: Number(row.output_tokens),
      cached: Number(row.cached_tokens),
      reasoning: Number(row.reasoning_tokens),
    },
  };
}

/** The `totals` query over settled entries, with `?`-style or `$n`-style placeholders. */
export function totalsSql(
  by: SpendGrouping,
  filter: { since?: number; until?: number; workflow?: string },
  placeholder: (n: number) => string,
  sum: (column: string) => string,
): { text: string; params: unknown[] } {
  const where = ["state = 'settled'"];
  const params: unknown[] = [];
  const add = (condition: (p: string) => string, value: unknown): void => {
    params.push(value);
    where.push(condition(placeholder(params.length)));
  };
  if (filter.since !== undefined) add((p) => `settled_at >= ${p}`, filter.since);
  if (filter.until !== undefined) add((p) => `settled_at < ${p}`, filter.until);
  if (filter.workflow !== undefined) add((p) => `workflow = ${p}`, filter.workflow);
  const column = GROUP_COLUMNS[by];
  const text = `SELECT ${column} AS grp, ${sum('nanos')} AS nanos, count(*) AS calls,
      ${sum('input_tokens')} AS input_tokens, ${sum('output_tokens')} AS output_tokens,
      ${sum('cached_tokens')} AS cached_tokens, ${sum('reasoning_tokens')} AS reasoning_tokens
    FROM spend_ledger WHERE ${where.join(' AND ')} GROUP BY ${column} ORDER BY 2 DESC, 1`;
  return { text, params };
}
