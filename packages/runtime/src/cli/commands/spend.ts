import { parseDuration } from '../../core/duration.js';
import { InvalidArgumentError } from '../../core/errors.js';
import type { BudgetLimitView, BudgetsView, SpendReport } from '../../runtime/budget-client.js';
import type { ApiClient } from '../api-client.js';
import { formatTable, printJson, type OutputFormat } from '../output.js';

export interface SpendCommandOptions {
  by?: string;
  since?: string;
  until?: string;
  workflow?: string;
  output: OutputFormat;
}

/** `vigil spend`: settled spend grouped by workflow (default), model, day, run or agent. */
export async function spendCommand(api: ApiClient, options: SpendCommandOptions): Promise<void> {
  const query = new URLSearchParams();
  if (options.by) query.set('by', options.by);
  if (options.since) query.set('since', timeArgument(options.since, '--since'));
  if (options.until) query.set('until', timeArgument(options.until, '--until'));
  if (options.workflow) query.set('workflow', options.workflow);
  const report = await api.request<SpendReport>('GET', `/v1/spend${query.size > 0 ? `?${query.toString()}` : ''}`);
  if (options.output === 'json') return printJson(report);
  if (report.groups.length === 0) {
    process.stdout.write('No spend recorded in that range.\n');
    return;
  }
  const rows = [
    [report.by.toUpperCase(), 'USD', 'CALLS', 'INPUT TOK', 'OUTPUT TOK', 'CACHED TOK', 'REASONING TOK'],
    ...report.groups.map((g) => [
      g.group,
      money(g.usd),
      String(g.calls),
      String(g.tokens.input),
      String(g.tokens.output),
      String(g.tokens.cached),
      String(g.tokens.reasoning),
    ]),
    ['TOTAL', money(report.total.usd), String(report.total.calls), '', '', '', ''],
  ];
  process.stdout.write(`${formatTable(rows)}\n`);
}

/** `vigil budgets list`: the declared budgets, and the limits in force today with their spend. */
export async function listBudgetsCommand(api: ApiClient, output: OutputFormat): Promise<void> {
  const view = await api.request<BudgetsView>('GET', '/v1/budgets');
  if (output === 'json') return printJson(view);
  const lines = [`Limits in force (UTC day ${view.day})`, formatLimits(view.limits)];
  const declared = view.workflows.filter((w) => w.usd !== null || w.perStepUsd !== null || w.perDayUsd !== null);
  if (declared.length > 0) {
    lines.push(
      '',
      'Workflow budgets',
      formatTable([
        ['WORKFLOW', 'AGENT', 'PER RUN', 'PER STEP', 'PER DAY', 'ON EXCEEDED', 'SOFT AT'],
        ...declared.map((w) => [
          `${w.workflow}@${w.version}`,
          w.agent,
          orDash(w.usd),
          orDash(w.perStepUsd),
          orDash(w.perDayUsd),
          w.onExceeded ?? '-',
          w.softAt === null ? '-' : `${Math.round(w.softAt * 100)}%`,
        ]),
      ]),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export interface SetBudgetOptions {
  scope: string;
  key?: string;
  usd?: string;
  remove?: boolean;
  output: OutputFormat;
}

/** `vigil budgets set`: sets (raises) one scope key's limit, or removes it with `--remove`. */
export async function setBudgetCommand(api: ApiClient, options: SetBudgetOptions): Promise<void> {
  if ((options.usd === undefined) === (options.remove !== true)) {
    throw new InvalidArgumentError('Give either --usd <amount> or --remove');
  }
  const usd = options.remove ? null : Number(options.usd);
  if (usd !== null && (!Number.isFinite(usd) || usd < 0 || options.usd!.trim() === '')) {
    throw new InvalidArgumentError(`--usd must be an amount of USD ≥ 0; got ${JSON.stringify(options.usd)}`);
  }
  const limit = await api.request<BudgetLimitView>('PUT', '/v1/budgets', {
    body: { scope: options.scope, ...(options.key === undefined ? {} : { key: options.key }), usd },
  });
  if (options.output === 'json') return printJson(limit);
  const now = limit.limitUsd === null ? 'no limit' : `$${limit.limitUsd}`;
  process.stdout.write(
    `The ${limit.scope} limit of ${limit.key} is now ${now} ($${limit.spentUsd} spent, $${limit.reservedUsd} reserved)\n`,
  );
}

function formatLimits(limits: BudgetLimitView[]): string {
  return formatTable([
    ['SCOPE', 'KEY', 'LIMIT', 'DECLARED', 'RAISED', 'SPENT', 'RESERVED', 'LEFT'],
    ...limits.map((l) => [
      l.scope,
      l.key,
      orDash(l.limitUsd),
      orDash(l.declaredUsd),
      orDash(l.raisedUsd),
      money(l.spentUsd),
      money(l.reservedUsd),
      l.limitUsd === null ? '-' : money(Math.max(0, l.limitUsd - l.spentUsd - l.reservedUsd)),
    ]),
  ]);
}

/** `7d`, `12h` (that long before now), or an ISO 8601 time, as the API takes it. */
function timeArgument(value: string, flag: string): string {
  if (/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(value)) {
    return new Date(Date.now() - parseDuration(value as `${number}d`, flag)).toISOString();
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new InvalidArgumentError(`${flag} must be a span back from now (7d, 12h) or an ISO 8601 time; got ${value}`);
  }
  return new Date(ms).toISOString();
}

function money(usd: number): string {
  return `$${usd.toFixed(usd !== 0 && Math.abs(usd) < 0.01 ? 6 : 2)}`;
}

function orDash(usd: number | null): string {
  return usd === null ? '-' : money(usd);
}
