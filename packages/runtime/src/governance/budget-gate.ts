import type { BudgetSettings } from '../core/budget.js';
import { BudgetExceededError } from '../core/governance-errors.js';
import type {
  LedgerEntry,
  Refusal,
  ReservationKey,
  Settlement,
  SoftLimitCrossing,
  SpendKind,
  SpendStore,
} from '../store/spend-store.js';
import { budgetScopes, isBudgeted, type WorkflowBudget } from './budget-scopes.js';

/** One attempt of a call that may cost money: a tool call, or (issue 7) an LLM call. */
export interface BudgetedCall extends ReservationKey {
  owner: WorkflowBudget;
  step: string;
  kind: SpendKind;
  /** The tool's name or the model's. */
  target: string;
  /** The expected cost, USD. */
  usd: number;
}

export type GateDecision =
  | { granted: true; reservation: LedgerEntry; reused: boolean }
  | { granted: false; refusal: Refusal; error: BudgetExceededError };

/**
 * The spend gate every costed call passes before it runs (policy → budget → breaker): reserve
 * the expected cost in every scope, run, then settle what it cost, or release it if it never
 * ran. The store decides each reservation atomically across workers, so a hard limit is never
 * overshot by estimates; the gate only says which limits apply.
 */
export class BudgetGate {
  constructor(
    private readonly spend: SpendStore,
    readonly settings: BudgetSettings,
  ) {}

  /** Whether a call expected to cost `usd` goes through the ledger at all. */
  applies(owner: WorkflowBudget, usd: number): boolean {
    return usd > 0 || isBudgeted(owner, this.settings);
  }

  async reserve(call: BudgetedCall, now: number): Promise<GateDecision> {
    const result = await this.spend.reserve(this.request(call, now, true), now);
    if (result.granted) return result;
    const { scope, key, limitUsd, spentUsd, requestedUsd } = result.refusal;
    return {
      granted: false,
      refusal: result.refusal,
      error: new BudgetExceededError({ scope, key, limitUsd, spentUsd, requestedUsd }),
    };
  }

  settle(
    key: ReservationKey,
    settlement: Settlement,
    now: number,
  ): Promise<{ entry: LedgerEntry; crossed: SoftLimitCrossing[] } | null> {
    return this.spend.settle(key, settlement, now);
  }

  release(key: ReservationKey, now: number): Promise<boolean> {
    return this.spend.release(key, now);
  }

  /**
   * Records a cost reported by a call that reserved nothing (it was expected to be free and no
   * limit applied): the money is spent, so the ledger says so, whatever the limits.
   */
  async record(
    call: BudgetedCall,
    settlement: Settlement,
    now: number,
  ): Promise<{ entry: LedgerEntry; crossed: SoftLimitCrossing[] } | null> {
    await this.spend.reserve({ ...this.request(call, now, false), usd: 0 }, now);
    return this.spend.settle(call, settlement, now);
  }

  private request(call: BudgetedCall, now: number, enforce: boolean) {
    return {
      runId: call.runId,
      seq: call.seq,
      attempt: call.attempt,
      workflow: call.owner.workflow,
      agent: call.owner.agent,
      step: call.step,
      kind: call.kind,
      target: call.target,
      usd: call.usd,
      scopes: budgetScopes(call.runId, call.seq, call.owner, this.settings, now),
      enforce,
    };
  }
}
