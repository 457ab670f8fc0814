import { utcDay, validateAgentName, type BudgetSettings } from '../core/budget.js';
import type { Clock } from '../core/clock.js';
import { InvalidArgumentError, NotFoundError } from '../core/errors.js';
import { isRunId } from '../core/ids.js';
import { budgetScopes, GLOBAL_KEY } from '../governance/budget-scopes.js';
import {
  SPEND_SCOPES,
  type CounterKey,
  type SpendGrouping,
  type SpendScope,
  type SpendTotal,
} from '../store/spend-store.js';
import type { Store } from '../store/store.js';
import type { RuntimeEvents } from './events.js';
import type { WorkflowRegistry } from './workflow-registry.js';

/** How `spend` groups: `model` is the model's or the tool's name (the ledger's target). */
export type SpendGroupBy = 'workflow' | 'model' | 'day' | 'run' | 'agent';
const GROUPINGS: Record<SpendGroupBy, SpendGrouping> = {
  workflow: 'workflow',
  model: 'target',
  day: 'day',
  run: 'run',
  agent: 'agent',
};

export interface SpendOptions {
  /** Default `workflow`. */
  by?: SpendGroupBy;
  /** Settled at or after, epoch ms. */
  since?: number;
  /** Settled before, epoch ms. */
  until?: number;
  workflow?: string;
}

export interface SpendReport {
  by: SpendGroupBy;
  since: string | null;
  until: string | null;
  workflow: string | null;
  groups: SpendTotal[];
  total: { usd: number; calls: number };
}

/** A limit in force (or a scope with spend and no limit), with what is spent against it. */
export interface BudgetLimitView {
  scope: SpendScope;
  key: string;
  /** The UTC day of a daily scope; null for runs and steps. */
  day: string | null;
  /** What the workflow or the options declare; null for none. */
  declaredUsd: number | null;
  /** What an operator set; it wins. */
  raisedUsd: number | null;
  limitUsd: number | null;
  softAt: number | null;
  spentUsd: number;
  reservedUsd: number;
  raisedBy: string | null;
  raisedAt: string | null;
}

export interface WorkflowBudgetView {
  workflow: string;
  version: number;
  agent: string;
  usd: number | null;
  perStepUsd: number | null;
  perDayUsd: number | null;
  onExceeded: 'escalate' | 'fail' | null;
  softAt: number | null;
}

export interface BudgetsView {
  day: string;
  workflows: WorkflowBudgetView[];
  limits: BudgetLimitView[];
}

export interface SetLimit {
  scope: SpendScope;
  /** A run id, `<runId>:<seq>`, an agent's name; optional for `global`. */
  key?: string;
  /** USD; null removes a limit set before, so the declared one applies again. */
  usd: number | null;
  principal?: string | null;
}

/** Spend queries and budget limits: what `/v1/spend`, `/v1/budgets` and `vigil spend|budgets` show and set. */
export class BudgetClient {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      events: RuntimeEvents;
      registry: WorkflowRegistry;
      settings: BudgetSettings;
    },
  ) {}

  /** Settled spend, grouped, most expensive first. */
  async spend(options: SpendOptions = {}): Promise<SpendReport> {
    const by = options.by ?? 'workflow';
    if (!(by in GROUPINGS)) {
      throw new InvalidArgumentError(
        `by must be one of ${Object.keys(GROUPINGS).join(', ')}; got ${JSON.stringify(by)}`,
        {
          path: 'by',
        },
      );
    }
    for (const field of ['since', 'until'] as const) {
      const value = options[field];
      if (value !== undefined && !Number.isFinite(value)) {
        throw new InvalidArgumentError(`${field} must be a time`, { path: field });
      }
    }
    const groups = await this.deps.store.spend.totals({ ...options, by: GROUPINGS[by] });
    const total = groups.reduce((sum, g) => ({ usd: sum.usd + g.usd, calls: sum.calls + g.calls }), {
      usd: 0,
      calls: 0,
    });
    return {
      by,
      since: options.since === undefined ? null : new Date(options.since).toISOString(),
      until: options.until === undefined ? null : new Date(options.until).toISOString(),
      workflow: options.workflow ?? null,
      groups,
      total: { usd: roundNanos(total.usd), calls: total.calls },
    };
  }

  /** The declared budgets of the registered workflows, and every limit in force today with its spend. */
  async budgets(): Promise<BudgetsView> {
    const now = this.deps.clock.now();
    const day = utcDay(now);
    const { registry, settings, store } = this.deps;
    const workflows = registry.list().map((w): WorkflowBudgetView => ({
      workflow: w.name,
      version: w.version,
      agent: w.agent,
      usd: w.budget?.usd ?? null,
      perStepUsd: w.budget?.perStepUsd ?? null,
      perDayUsd: w.budget?.perDayUsd ?? null,
      onExceeded: w.budget?.onExceeded ?? null,
      softAt: w.budget?.softAt ?? null,
    }));
    const raised = await store.spend.listLimits();
    const declared = new Map<string, { declaredUsd: number | null; softAt: number | null }>();
    const keyOf = (scope: string, key: string): string => `${scope}\u0000${key}`;
    for (const w of registry.latestVersions()) {
      const [, , agent, global] = budgetScopes(
        '-',
        0,
        { workflow: w.name, agent: w.agent, budget: w.budget },
        settings,
        now,
      );
      for (const s of [agent!, global!]) {
        const known = declared.get(keyOf(s.scope, s.key));
        if (!known || known.declaredUsd === null)
          declared.set(keyOf(s.scope, s.key), { declaredUsd: s.limitUsd, softAt: s.softAt });
      }
    }
    for (const [name, agent] of Object.entries(settings.agents)) {
      declared.set(keyOf('agent', name), { declaredUsd: agent.perDayUsd, softAt: agent.softAt });
    }
    if (!declared.has(keyOf('global', GLOBAL_KEY))) {
      declared.set(keyOf('global', GLOBAL_KEY), {
        declaredUsd: settings.globalPerDayUsd,
        softAt: settings.globalSoftAt,
      });
    }
    for (const r of raised)
      if (!declared.has(keyOf(r.scope, r.key)))
        declared.set(keyOf(r.scope, r.key), { declaredUsd: null, softAt: null });
    const entries = [...declared.entries()].map(([k, v]) => {
      const [scope, key] = k.split('\u0000') as [SpendScope, string];
      return { scope, key, ...v };
    });
    const counterKeys: CounterKey[] = entries.map((e) => ({ ...e, period: isDaily(e.scope) ? day : '' }));
    const counters = await store.spend.counters(counterKeys);
    const limits = entries.map((e): BudgetLimitView => {
      const r = raised.find((x) => x.scope === e.scope && x.key === e.key);
      const c = counters.find((x) => x.scope === e.scope && x.key === e.key);
      return {
        scope: e.scope,
        key: e.key,
        day: isDaily(e.scope) ? day : null,
        declaredUsd: e.declaredUsd,
        raisedUsd: r?.usd ?? null,
        limitUsd: r?.usd ?? e.declaredUsd,
        softAt: e.softAt,
        spentUsd: c?.settledUsd ?? 0,
        reservedUsd: c?.reservedUsd ?? 0,
        raisedBy: r?.updatedBy ?? null,
        raisedAt: r ? new Date(r.updatedAt).toISOString() : null,
      };
    });
    const order = (s: SpendScope): number => SPEND_SCOPES.indexOf(s);
    limits.sort((a, b) => order(b.scope) - order(a.scope) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { day, workflows, limits };
  }

  /**
   * Sets (raises, lowers) the limit of one scope key, or removes it with `usd: null`; it wins
   * over the declared limit from the next reservation on. A run held by a budget escalation goes
   * on once the escalation is resolved with `retry`. Emits `budget.changed`.
   *
   * @throws InvalidArgumentError for a bad scope, key or amount; NotFoundError `run_not_found`.
   */
  async setLimit(change: SetLimit): Promise<BudgetLimitView> {
    const { scope, usd } = change;
    if (!SPEND_SCOPES.includes(scope)) {
      throw new InvalidArgumentError(`scope must be one of ${SPEND_SCOPES.join(', ')}; got ${JSON.stringify(scope)}`, {
        path: 'scope',
      });
    }
    if (usd !== null && (typeof usd !== 'number' || !Number.isFinite(usd) || usd < 0)) {
      throw new InvalidArgumentError('usd must be a finite number ≥ 0, or null to remove the limit', { path: 'usd' });
    }
    const key = await this.checkKey(scope, change.key);
    const principal = change.principal ?? null;
    await this.deps.store.spend.setLimit(scope, key, usd, this.deps.clock.now(), principal);
    this.deps.events.emit('budget.changed', { scope, key, usd, principal });
    const view = (await this.budgets()).limits.find((l) => l.scope === scope && l.key === key);
    if (view) return view;
    const period = isDaily(scope) ? utcDay(this.deps.clock.now()) : '';
    const [counter] = await this.deps.store.spend.counters([{ scope, key, period }]);
    return {
      scope,
      key,
      day: isDaily(scope) ? period : null,
      declaredUsd: null,
      raisedUsd: usd,
      limitUsd: usd,
      softAt: null,
      spentUsd: counter?.settledUsd ?? 0,
      reservedUsd: counter?.reservedUsd ?? 0,
      raisedBy: usd === null ? null : principal,
      raisedAt: usd === null ? null : new Date(this.deps.clock.now()).toISOString(),
    };
  }

  private async checkKey(scope: SpendScope, key: string | undefined): Promise<string> {
    if (scope === 'global') {
      if (key !== undefined && key !== GLOBAL_KEY) {
        throw new InvalidArgumentError(`The global scope has one key, "${GLOBAL_KEY}"`, { path: 'key' });
      }
      return GLOBAL_KEY;
    }
    if (typeof key !== 'string' || key === '') {
      throw new InvalidArgumentError(`A ${scope} limit needs a key`, { path: 'key' });
    }
    if (scope === 'agent') {
      try {
        return validateAgentName(key, 'agent');
      } catch (error) {
        throw new InvalidArgumentError((error as Error).message, { path: 'key' });
      }
    }
    const [runId, seq, ...rest] = key.split(':');
    const badStep = scope === 'step' && (rest.length > 0 || !/^[1-9]\d{0,8}$/.test(seq ?? ''));
    if (!isRunId(runId!) || (scope === 'run' && seq !== undefined) || badStep) {
      const shape = scope === 'run' ? 'a run id' : '<runId>:<seq>, e.g. the step of a budget escalation';
      throw new InvalidArgumentError(`A ${scope} key is ${shape}; got ${JSON.stringify(key)}`, { path: 'key' });
    }
    if (!(await this.deps.store.runs.get(runId!))) {
      throw new NotFoundError('run_not_found', `No run with id ${runId}`, { path: 'key' });
    }
    return key;
  }
}

function isDaily(scope: SpendScope): boolean {
  return scope === 'agent' || scope === 'global';
}

/** Sums of nano-dollar amounts, back to the nano-dollar they were. */
function roundNanos(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}
