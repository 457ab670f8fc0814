import { utcDay, type Budget, type BudgetSettings } from '../core/budget.js';
import type { ScopeLimit } from '../store/spend-store.js';

/** What a run spends under: its workflow's agent and declared budget. */
export interface WorkflowBudget {
  readonly workflow: string;
  readonly agent: string;
  readonly budget: Budget | null;
}

/** The key of the global scope: one per deployment (database). */
export const GLOBAL_KEY = 'global';

/** The key of a step's scope: `<runId>:<seq>`. */
export function stepScopeKey(runId: string, seq: number): string {
  return `${runId}:${seq}`;
}

/**
 * Every counter a call of step `seq` of `runId` spends from, narrowest first (so a refusal
 * names the narrowest limit it hit): the step, the run, the agent's UTC day, the deployment's
 * UTC day; each with the limit declared for it (null: none declared; an operator may still set
 * one in the store). A named agent's limit in `settings` wins over the workflow's `perDayUsd`.
 */
export function budgetScopes(
  runId: string,
  seq: number,
  owner: WorkflowBudget,
  settings: BudgetSettings,
  now: number,
): ScopeLimit[] {
  const day = utcDay(now);
  const budget = owner.budget;
  const agent = settings.agents[owner.agent];
  return [
    { scope: 'step', key: stepScopeKey(runId, seq), period: '', limitUsd: budget?.perStepUsd ?? null, softAt: null },
    { scope: 'run', key: runId, period: '', limitUsd: budget?.usd ?? null, softAt: budget?.softAt ?? null },
    {
      scope: 'agent',
      key: owner.agent,
      period: day,
      limitUsd: agent?.perDayUsd ?? budget?.perDayUsd ?? null,
      softAt: agent ? agent.softAt : (budget?.softAt ?? null),
    },
    {
      scope: 'global',
      key: GLOBAL_KEY,
      period: day,
      limitUsd: settings.globalPerDayUsd,
      softAt: settings.globalSoftAt,
    },
  ];
}

/**
 * Whether calls of this workflow must be reserved even when they are expected to cost nothing:
 * some limit is declared over them, and a call that reports a cost must not slip past it.
 */
export function isBudgeted(owner: WorkflowBudget, settings: BudgetSettings): boolean {
  return owner.budget !== null || settings.globalPerDayUsd !== null || settings.agents[owner.agent] !== undefined;
}
