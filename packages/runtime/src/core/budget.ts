import { InvalidArgumentError } from './errors.js';

/** What a refused reservation does to the step: ask an operator (who may raise the limit), or fail it. */
export type OnBudgetExceeded = 'escalate' | 'fail';

/**
 * A workflow's spend limits, USD. Hard limits are never overshot: each call's expected cost is
 * reserved against every limit before the call, and settled after it.
 */
export interface BudgetOptions {
  /** Per run. */
  usd?: number;
  /** Per step (all attempts of one step together). */
  perStepUsd?: number;
  /**
   * Per UTC day, for the workflow's agent (the workflow, or `agent` to share one daily budget
   * among workflows). `VigilOptions.budgets.agents` wins over it for a named agent.
   */
  perDayUsd?: number;
  /** Default `escalate`: the run waits for an operator to raise the limit and retry. */
  onExceeded?: OnBudgetExceeded;
  /**
   * A soft limit as a fraction of each hard one (0 < softAt ≤ 1): crossing it emits
   * `budget.soft_limit` and logs a warning, once per scope key and period, and the call goes on.
   */
  softAt?: number;
}

/** A workflow's budget, checked. */
export interface Budget {
  readonly usd: number | null;
  readonly perStepUsd: number | null;
  readonly perDayUsd: number | null;
  readonly onExceeded: OnBudgetExceeded;
  readonly softAt: number | null;
}

/** Limits beyond one workflow: the whole deployment's day, and named agents' days (`VigilOptions.budgets`). */
export interface BudgetSettingsOptions {
  /** All spend of this database per UTC day, USD. */
  globalPerDayUsd?: number;
  /** The soft limit of the global day, as a fraction of it. */
  globalSoftAt?: number;
  /** Per-day limits of agents by name (a workflow's name, or its `agent`). */
  agents?: Readonly<Record<string, { perDayUsd: number; softAt?: number }>>;
}

export interface BudgetSettings {
  readonly globalPerDayUsd: number | null;
  readonly globalSoftAt: number | null;
  readonly agents: Readonly<Record<string, { readonly perDayUsd: number; readonly softAt: number | null }>>;
}

export const NO_BUDGET_SETTINGS: BudgetSettings = Object.freeze({
  globalPerDayUsd: null,
  globalSoftAt: null,
  agents: {},
});

const BUDGET_KEYS = new Set(['usd', 'perStepUsd', 'perDayUsd', 'onExceeded', 'softAt']);
/** Agent names follow workflow names. */
const AGENT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Checks a workflow's `budget` option where it is written.
 *
 * @throws InvalidArgumentError naming the field.
 */
export function validateBudget(options: BudgetOptions | undefined, where: string): Budget | null {
  if (options === undefined) return null;
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError(`${where}: budget must be an object`);
  for (const key of Object.keys(options)) {
    if (!BUDGET_KEYS.has(key)) throw new InvalidArgumentError(`${where}: unknown budget option ${key}`);
  }
  const onExceeded = options.onExceeded ?? 'escalate';
  if (onExceeded !== 'escalate' && onExceeded !== 'fail') {
    throw new InvalidArgumentError(
      `${where}: budget.onExceeded must be escalate or fail; got ${JSON.stringify(onExceeded)}`,
    );
  }
  return Object.freeze({
    usd: optionalUsd(options.usd, `${where}: budget.usd`),
    perStepUsd: optionalUsd(options.perStepUsd, `${where}: budget.perStepUsd`),
    perDayUsd: optionalUsd(options.perDayUsd, `${where}: budget.perDayUsd`),
    onExceeded,
    softAt: fraction(options.softAt, `${where}: budget.softAt`),
  });
}

/** Checks an agent name given on a workflow or in the settings. */
export function validateAgentName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !AGENT.test(name)) {
    throw new InvalidArgumentError(
      `${what} ${JSON.stringify(name)} is invalid: use 1–128 letters, digits, '.', '_', '-' or ':'`,
    );
  }
  return name;
}

/** Checks `VigilOptions.budgets` (and the config file's `budgets`). */
export function validateBudgetSettings(options: BudgetSettingsOptions | undefined): BudgetSettings {
  if (options === undefined) return NO_BUDGET_SETTINGS;
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('budgets must be an object');
  const agents: Record<string, { perDayUsd: number; softAt: number | null }> = {};
  for (const [name, agent] of Object.entries(options.agents ?? {})) {
    validateAgentName(name, 'budgets.agents: agent name');
    if (typeof agent !== 'object' || agent === null) {
      throw new InvalidArgumentError(`budgets.agents.${name} must be { perDayUsd, softAt? }`);
    }
    agents[name] = Object.freeze({
      perDayUsd: usdAmount(agent.perDayUsd, `budgets.agents.${name}.perDayUsd`),
      softAt: fraction(agent.softAt, `budgets.agents.${name}.softAt`),
    });
  }
  return Object.freeze({
    globalPerDayUsd: optionalUsd(options.globalPerDayUsd, 'budgets.globalPerDayUsd'),
    globalSoftAt: fraction(options.globalSoftAt, 'budgets.globalSoftAt'),
    agents: Object.freeze(agents),
  });
}

/** A USD amount: a finite number ≥ 0. */
export function usdAmount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`${what} must be a finite number of USD ≥ 0; got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Money is stored and compared in whole nano-dollars (1e-9 USD): sums of integers are exact,
 * so "spent + reserved + this call ≤ limit" never flips on a rounding error. A token of the
 * cheapest listed model costs 25 nano-dollars; 2^53 of them is over nine million dollars.
 */
export function toNanos(usd: number): number {
  return Math.round(usd * 1e9);
}

export function fromNanos(nanos: number): number {
  return nanos / 1e9;
}

/** The UTC day of `epochMs`, `YYYY-MM-DD`: the period of daily limits. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

function optionalUsd(value: unknown, what: string): number | null {
  return value === undefined ? null : usdAmount(value, what);
}

function fraction(value: unknown, what: string): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw new InvalidArgumentError(
      `${what} must be a fraction of the hard limit, more than 0 and at most 1; got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
