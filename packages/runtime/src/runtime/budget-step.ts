import type { BudgetExceededError } from '../core/governance-errors.js';
import type { BudgetedCall } from '../governance/budget-gate.js';
import type { LedgerEntry, SoftLimitCrossing } from '../store/spend-store.js';
import type { PolicyCall, PolicyHost } from './policy-host.js';
import type { LlmUsage } from './attempt-context.js';

/** How an attempt ended, as far as its cost is concerned. */
export type AttemptCost =
  { ran: true; ok: boolean; reportedUsd: number | undefined; llm?: LlmUsage | undefined } | { ran: false };

/**
 * The spend side of one step's attempts: reserve each attempt's expected cost before it runs,
 * settle what it cost after, release it when it never ran. Store failures propagate (the policy
 * step stops the execution on them); a reservation a crash leaves open is settled at its
 * estimate when the step resumes (`settleInterrupted`), since the call may well have happened.
 *
 * A failed attempt is settled at the cost the tool reported, else at its estimate: a call that
 * failed has usually still been paid for. A tool that knows a failure cost nothing reports 0.
 */
export class StepBudget {
  /** The attempt holding a reservation, if any. */
  private reserved: number | undefined;

  constructor(
    private readonly host: PolicyHost,
    private readonly call: PolicyCall,
  ) {}

  /**
   * The expected cost of one attempt, USD.
   *
   * @throws InvalidArgumentError when the tool's cost function answers something other than USD.
   */
  expectedCost(): number {
    return this.call.expectedCost!();
  }

  /**
   * Reserves `usd`, the expected cost of `attempt`, in every scope. Null when it may run
   * (reserved, or nothing to reserve); the error when a hard limit refused it
   * (`budget.exceeded` is emitted).
   */
  async reserve(attempt: number, usd: number): Promise<BudgetExceededError | null> {
    const { budgets, clock, events } = this.host.deps;
    if (!budgets.applies(this.host.workflowBudget, usd)) return null;
    const decision = await budgets.reserve(this.budgetedCall(attempt, usd), clock.now());
    if (decision.granted) {
      this.reserved = attempt;
      await this.host.failpoint('budget.after-reserve', this.call.name, this.call.seq);
      return null;
    }
    const { scope, key, limitUsd, spentUsd, requestedUsd } = decision.refusal;
    events.emit('budget.exceeded', {
      scope,
      key,
      limitUsd,
      spentUsd,
      requestedUsd,
      runId: this.host.runId,
      seq: this.call.seq,
      step: this.call.name,
    });
    return decision.error;
  }

  /** Settles `attempt` once it has run (or releases its reservation if it did not). */
  async settle(attempt: number, outcome: AttemptCost): Promise<void> {
    const { budgets, clock } = this.host.deps;
    const now = clock.now();
    const key = { runId: this.host.runId, seq: this.call.seq, attempt };
    if (!outcome.ran) {
      if (this.reserved === attempt) await budgets.release(key, now);
      this.reserved = undefined;
      return;
    }
    const usd = outcome.reportedUsd ?? null;
    let settled: { entry: LedgerEntry; crossed: SoftLimitCrossing[] } | null = null;
    const settlement = { usd, tokens: outcome.llm?.tokens ?? null };
    if (this.reserved === attempt) settled = await budgets.settle(key, settlement, now);
    else if (usd !== null && usd > 0) settled = await budgets.record(this.budgetedCall(attempt, 0), settlement, now);
    this.reserved = undefined;
    if (settled) this.announce(settled.entry, settled.crossed, outcome.llm);
  }

  /**
   * The worker running `attempt` died: whatever it reserved is settled at the estimate, since
   * the call may have happened. Nothing open, nothing done.
   */
  async settleInterrupted(attempt: number): Promise<void> {
    const { budgets, clock } = this.host.deps;
    const settled = await budgets.settle(
      { runId: this.host.runId, seq: this.call.seq, attempt },
      { usd: null },
      clock.now(),
    );
    if (settled) this.announce(settled.entry, settled.crossed);
  }

  private announce(entry: LedgerEntry, crossed: SoftLimitCrossing[], llm?: LlmUsage): void {
    const { events } = this.host.deps;
    const { runId } = this.host;
    events.emit('spend.recorded', {
      runId,
      workflow: this.host.workflowName,
      seq: entry.seq,
      step: entry.step,
      kind: entry.kind === 'llm' ? 'llm' : 'tool',
      target: entry.target,
      usd: entry.usd ?? 0,
      ...(entry.tokens ? { tokens: entry.tokens } : {}),
      ...(llm ? { latencyMs: llm.latencyMs } : {}),
      ...(llm?.reasoning ? { reasoning: llm.reasoning } : {}),
    });
    for (const c of crossed) {
      events.emit('budget.soft_limit', {
        scope: c.scope,
        key: c.key,
        limitUsd: c.limitUsd,
        spentUsd: c.spentUsd,
        runId,
      });
      this.host.log.warn('spend crossed a soft budget limit', { ...c });
    }
  }

  private budgetedCall(attempt: number, usd: number): BudgetedCall {
    return {
      runId: this.host.runId,
      seq: this.call.seq,
      attempt,
      owner: this.host.workflowBudget,
      step: this.call.name,
      kind: this.call.kind === 'llm' ? 'llm' : 'tool',
      target: this.call.target,
      usd,
    };
  }
}
