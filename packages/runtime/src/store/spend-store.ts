/** The scopes spend is counted and limited in. */
export type SpendScope = 'step' | 'run' | 'agent' | 'global';
export const SPEND_SCOPES: readonly SpendScope[] = ['step', 'run', 'agent', 'global'];

/** What a ledger entry paid for. */
export type SpendKind = 'tool' | 'llm' | 'step';

/** A counter: spend in one scope key and period (`''` for step and run, the UTC day for agent and global). */
export interface CounterKey {
  scope: SpendScope;
  /** `<runId>:<seq>`, the run id, the agent's name, or `global`. */
  key: string;
  period: string;
}

/** A counter a reservation is checked against, with the limit its caller declared. */
export interface ScopeLimit extends CounterKey {
  /** The declared hard limit, USD; null for none. A limit raised in the store wins over it. */
  limitUsd: number | null;
  /** The soft limit, as a fraction of the hard limit in force; null for none. */
  softAt: number | null;
}

/** One attempt of one call: a crash-retry of the same attempt finds its reservation again. */
export interface ReservationKey {
  runId: string;
  seq: number;
  attempt: number;
}

export interface ReservationRequest extends ReservationKey {
  workflow: string;
  agent: string;
  /** The step's name. */
  step: string;
  kind: SpendKind;
  /** The tool's name or the model's. */
  target: string;
  /** The expected cost, USD. */
  usd: number;
  /** Every counter the call spends from, each checked against its limit. */
  scopes: readonly ScopeLimit[];
  /**
   * False records the reservation without checking limits: for a cost a call reported after
   * it ran without a reservation (the money is spent; the ledger must say so).
   */
  enforce?: boolean;
}

/** Why a reservation was refused: the first scope (in the order given) it would overshoot. */
export interface Refusal extends CounterKey {
  limitUsd: number;
  /** Settled plus reserved before this request. */
  spentUsd: number;
  requestedUsd: number;
}

export type ReserveResult =
  { granted: true; reservation: LedgerEntry; reused: boolean } | { granted: false; refusal: Refusal };

export interface TokenCounts {
  input: number;
  output: number;
  cached: number;
  reasoning: number;
}

export interface Settlement {
  /** What the call cost, USD; null settles it at its reserved estimate. */
  usd: number | null;
  tokens?: TokenCounts | null;
}

export type LedgerState = 'reserved' | 'settled' | 'released';

/** A reservation, and once settled, the ledger entry of one call's cost. */
export interface LedgerEntry extends ReservationKey {
  workflow: string;
  agent: string;
  step: string;
  kind: SpendKind;
  target: string;
  state: LedgerState;
  estimateUsd: number;
  /** What it cost; null until settled. */
  usd: number | null;
  tokens: TokenCounts | null;
  /** The UTC day it counts in (that of its reservation, like its daily counters). */
  day: string;
  reservedAt: number;
  settledAt: number | null;
}

/** A scope key whose settled spend crossed its soft limit with this settlement (once per key and period). */
export interface SoftLimitCrossing extends CounterKey {
  limitUsd: number;
  spentUsd: number;
}

export interface CounterRecord extends CounterKey {
  settledUsd: number;
  reservedUsd: number;
}

/** A limit an operator set, which wins over the declared one for its scope key (for every day, for daily scopes). */
export interface BudgetLimitRecord {
  scope: SpendScope;
  key: string;
  usd: number;
  updatedAt: number;
  updatedBy: string | null;
}

export type SpendGrouping = 'workflow' | 'target' | 'day' | 'run' | 'agent';

export interface SpendQuery {
  by: SpendGrouping;
  /** Settled at or after, epoch ms. */
  since?: number;
  /** Settled before, epoch ms. */
  until?: number;
  workflow?: string;
}

export interface SpendTotal {
  group: string;
  usd: number;
  calls: number;
  tokens: TokenCounts;
}

/**
 * The spend aggregate: reservations, the ledger, per-scope counters and raised limits.
 *
 * A reservation is decided atomically across every worker: all its counters are read and
 * written in one transaction that holds them (SQLite's write lock; row locks taken in one fixed
 * order on PostgreSQL), so `settled + reserved + request ≤ limit` holds for every counter at
 * every commit, and a hard limit is never overshot by estimates. Settling and releasing are
 * conditional on the reservation still being open, so repeating one changes nothing.
 */
export interface SpendStore {
  /**
   * Reserves `request.usd` in every scope, or refuses naming the scope it would overshoot.
   * A reservation already made for the same run, seq and attempt is returned as it is
   * (`reused`), never counted twice; a released one is reserved again.
   */
  reserve(request: ReservationRequest, now: number): Promise<ReserveResult>;
  /**
   * Turns an open reservation into a ledger entry: its counters lose the estimate and gain the
   * actual cost (which may be more: money already spent is recorded as it is). Null when the
   * reservation is not open (settled or released before, or never made).
   */
  settle(
    key: ReservationKey,
    settlement: Settlement,
    now: number,
  ): Promise<{ entry: LedgerEntry; crossed: SoftLimitCrossing[] } | null>;
  /** Gives an open reservation back: the call never happened. Whether one was open. */
  release(key: ReservationKey, now: number): Promise<boolean>;
  get(key: ReservationKey): Promise<LedgerEntry | null>;
  /** Sets the limit of a scope key, or with `usd: null` removes it (the declared one applies again). */
  setLimit(scope: SpendScope, key: string, usd: number | null, now: number, by: string | null): Promise<void>;
  listLimits(): Promise<BudgetLimitRecord[]>;
  /** The counters asked for that exist. */
  counters(keys: readonly CounterKey[]): Promise<CounterRecord[]>;
  /** Settled spend grouped by `query.by`, most expensive first. */
  totals(query: SpendQuery): Promise<SpendTotal[]>;
  /** A run's settled spend by step seq. */
  runCost(runId: string): Promise<Array<{ seq: number; usd: number }>>;
}
