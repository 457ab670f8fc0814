import { readDuration, type Duration } from '../core/duration-parse.js';
import { ValidationError } from '../core/errors.js';

/** What every rule may carry. */
interface RuleBase {
  /** A stable id (letters, digits, `.`, `_`, `-`, `:`); default derived from the rule, e.g. `success_rate:patient.discharge`. */
  id?: string;
}

/**
 * One alert rule. Rates are fractions (0–1) over the runs started within `window` (default
 * `'1h'`); a rate rule stays quiet until the window holds `minRuns` finished runs (or
 * `minAttempts` tool attempts), default 5, so one failure of one run does not page anyone.
 *
 * @example
 * { kind: 'success_rate', workflow: 'patient.discharge', below: 0.9, window: '1h' }
 * { kind: 'escalation_rate', above: 0.3 }
 * { kind: 'tool_failure_rate', tool: 'insurance.check', above: 0.5, window: '15m' }
 * { kind: 'dead_letters', above: 10 }
 * { kind: 'stuck_runs', after: '10m' }
 */
export type AlertRule =
  | (RuleBase & { kind: 'success_rate'; below: number; workflow?: string; window?: Duration; minRuns?: number })
  | (RuleBase & { kind: 'escalation_rate'; above: number; workflow?: string; window?: Duration; minRuns?: number })
  | (RuleBase & { kind: 'tool_failure_rate'; tool: string; above: number; window?: Duration; minAttempts?: number })
  | (RuleBase & { kind: 'dead_letters'; above: number; workflow?: string })
  /** Runs executing (`running`) with no step started or ended for `after`; fires above `above` (default 0) such runs. */
  | (RuleBase & { kind: 'stuck_runs'; after: Duration; above?: number });

export type AlertRuleKind = AlertRule['kind'];

/** A rule checked and with its defaults filled in. `threshold` is `below` or `above`. */
export interface ResolvedAlertRule {
  id: string;
  kind: AlertRuleKind;
  /** `below` for success rates (fires when the value is lower), `above` for the rest. */
  direction: 'below' | 'above';
  threshold: number;
  workflow: string | null;
  tool: string | null;
  /** The window of rate rules, or how long a stuck run has been idle; null for dead letters. */
  windowMs: number | null;
  /** Least finished runs (or tool attempts) a rate needs before it is judged. */
  minSample: number;
  /** For people: `success rate of patient.discharge below 90% over 1h`. */
  description: string;
}

const KINDS: readonly AlertRuleKind[] = [
  'success_rate',
  'escalation_rate',
  'tool_failure_rate',
  'dead_letters',
  'stuck_runs',
];
const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const DEFAULT_WINDOW_MS = 3_600_000;
const DEFAULT_MIN_SAMPLE = 5;

/**
 * Checks `alerts.rules` and fills in defaults. Every problem is a `ValidationError` with code
 * `alert_rule_invalid` and the path of the field, e.g. `alerts.rules[2].below`.
 */
export function resolveAlertRules(rules: unknown, root = 'alerts.rules'): ResolvedAlertRule[] {
  if (rules === undefined) return [];
  if (!Array.isArray(rules)) throw invalid(root, `${root} must be an array of rules`);
  const resolved = rules.map((rule, i) => resolveRule(rule, `${root}[${i}]`));
  const seen = new Set<string>();
  resolved.forEach((rule, i) => {
    if (seen.has(rule.id)) {
      throw invalid(`${root}[${i}].id`, `Two alert rules have the id "${rule.id}"; give one of them another \`id\``);
    }
    seen.add(rule.id);
  });
  return resolved;
}

function resolveRule(rule: unknown, at: string): ResolvedAlertRule {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) throw invalid(at, `${at} must be an object`);
  const r = rule as Record<string, unknown>;
  const kind = r['kind'];
  if (typeof kind !== 'string' || !KINDS.includes(kind as AlertRuleKind)) {
    throw invalid(`${at}.kind`, `${at}.kind must be one of ${KINDS.join(', ')}; got ${JSON.stringify(kind)}`);
  }
  const k = kind as AlertRuleKind;
  const allowed = new Set(['id', 'kind', ...FIELDS[k]]);
  for (const key of Object.keys(r)) {
    if (!allowed.has(key)) throw invalid(`${at}.${key}`, `${at}.${key} is not an option of a ${k} rule`);
  }
  const workflow = optionalName(r, 'workflow', at);
  const tool = k === 'tool_failure_rate' ? name(r['tool'], `${at}.tool`) : null;
  const rate = k === 'success_rate' || k === 'escalation_rate' || k === 'tool_failure_rate';
  const direction = k === 'success_rate' ? 'below' : 'above';
  const threshold =
    k === 'stuck_runs' && r['above'] === undefined ? 0 : number(r[direction], `${at}.${direction}`, rate ? 1 : null);
  const windowMs =
    k === 'dead_letters'
      ? null
      : k === 'stuck_runs'
        ? duration(r['after'], `${at}.after`)
        : r['window'] === undefined
          ? DEFAULT_WINDOW_MS
          : duration(r['window'], `${at}.window`);
  const sampleKey = k === 'tool_failure_rate' ? 'minAttempts' : 'minRuns';
  const minSample = r[sampleKey] === undefined ? DEFAULT_MIN_SAMPLE : count(r[sampleKey], `${at}.${sampleKey}`);
  const id = r['id'] === undefined ? `${k}:${tool ?? workflow ?? 'all'}` : r['id'];
  if (typeof id !== 'string' || !ID.test(id)) {
    throw invalid(
      `${at}.id`,
      `${at}.id must be 1–128 letters, digits, '.', '_', '-' or ':'; got ${JSON.stringify(id)}`,
    );
  }
  const base = { id, kind: k, direction, threshold, workflow, tool, windowMs, minSample } as const;
  return { ...base, description: describeRule(base) };
}

const FIELDS: Record<AlertRuleKind, readonly string[]> = {
  success_rate: ['below', 'workflow', 'window', 'minRuns'],
  escalation_rate: ['above', 'workflow', 'window', 'minRuns'],
  tool_failure_rate: ['tool', 'above', 'window', 'minAttempts'],
  dead_letters: ['above', 'workflow'],
  stuck_runs: ['after', 'above'],
};

function describeRule(rule: Omit<ResolvedAlertRule, 'description'>): string {
  const pct = (n: number): string => `${Math.round(n * 1000) / 10}%`;
  const over = rule.windowMs === null ? '' : ` over ${humanMs(rule.windowMs)}`;
  const of = rule.workflow ? ` of ${rule.workflow}` : '';
  switch (rule.kind) {
    case 'success_rate':
      return `success rate${of} below ${pct(rule.threshold)}${over}`;
    case 'escalation_rate':
      return `escalation rate${of} above ${pct(rule.threshold)}${over}`;
    case 'tool_failure_rate':
      return `failure rate of tool ${rule.tool} above ${pct(rule.threshold)}${over}`;
    case 'dead_letters':
      return `dead letters${of} above ${rule.threshold}`;
    case 'stuck_runs':
      return `more than ${rule.threshold} run(s) without a step change for ${humanMs(rule.windowMs ?? 0)}`;
  }
}

/** `90s` → `1.5 min`, `3600000` → `1 h`. */
export function humanMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms >= 3_600_000) return `${Math.round(ms / 360_000) / 10} h`;
  if (ms >= 60_000) return `${Math.round(ms / 6_000) / 10} min`;
  return `${Math.round(ms / 100) / 10} s`;
}

function invalid(path: string, message: string): ValidationError {
  return new ValidationError('alert_rule_invalid', `Invalid alert rule: ${message}`, { path });
}

function optionalName(r: Record<string, unknown>, key: string, at: string): string | null {
  return r[key] === undefined ? null : name(r[key], `${at}.${key}`);
}

function name(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(path, `${path} must be a non-empty string`);
  return value;
}

function number(value: unknown, path: string, max: number | null): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= 0 && (max === null || value <= max);
  if (!ok) {
    const range = max === null ? 'a number ≥ 0' : `a fraction from 0 to ${max}`;
    throw invalid(path, `${path} must be ${range}; got ${JSON.stringify(value)}`);
  }
  return value;
}

function count(value: unknown, path: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw invalid(path, `${path} must be a positive integer; got ${JSON.stringify(value)}`);
  }
  return value as number;
}

function duration(value: unknown, path: string): number {
  const reading = readDuration(value, path);
  if (!reading.ok) throw invalid(path, reading.problem);
  if (reading.ms < 1000) throw invalid(path, `${path} must be at least 1s; got ${JSON.stringify(value)}`);
  return reading.ms;
}
