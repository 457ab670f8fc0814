/**
 * A workflow's tool access policy as written (`defineWorkflow({ policy })`) and as checked: which
 * tools it may call, the constraints on their arguments, the calls that need a human's approval
 * and the rate limits per tool. Checked at definition time, so a bad policy fails where it is
 * written, naming the path; deciding a call is `governance/tool-policy.ts`.
 */
import { parseDuration, type Duration } from './duration.js';
import { InvalidArgumentError } from './errors.js';

/** A predicate on one argument: true allows it; false or a string (the reason) denies it. */
export type ArgumentCheck = (value: unknown, call: { args: unknown; input: unknown }) => boolean | string;

/**
 * What one argument must be: `'$input.<path>'` (equal to that field of the run's input), a
 * literal (equal to it), or `{ equals }`, `{ oneOf }`, `{ pattern }` (strings), `{ min, max }`
 * (numbers), `{ check }` (a predicate).
 */
export type ArgumentConstraint =
  | string
  | number
  | boolean
  | null
  | { equals: unknown }
  | { oneOf: readonly unknown[] }
  | { pattern: RegExp | string }
  | { min?: number; max?: number }
  | { check: ArgumentCheck };

/** A call of the tool needs approval when `when` says so (always without it), from `assignee`. */
export interface ApprovalOptions {
  when?: (args: unknown, input: unknown) => boolean;
  assignee?: string;
}

/** Whose calls share one token bucket: every call, the workflow's, the run's, or per input field. */
export type RateLimitScope = 'global' | 'workflow' | 'run' | `$input.${string}`;

export interface ToolRateLimitOptions {
  /** Calls allowed per `period` (the bucket's size; it refills evenly over the period). */
  limit: number;
  period: Duration;
  /** Default `global`: one bucket for the tool, shared by every run of every workflow. */
  scope?: RateLimitScope;
  /** `wait` (default): the step waits durably for a token. `fail`: it is denied (`rateLimits.<tool>`). */
  whenLimited?: 'wait' | 'fail';
}

/** The `policy` option of a workflow. */
export interface ToolAccessPolicyOptions {
  /** The tools it may call. Absent: any tool; `[]`: none. */
  tools?: readonly string[];
  /** Per tool, per argument path (dots into the arguments): what the argument must be. */
  constraints?: Readonly<Record<string, Readonly<Record<string, ArgumentConstraint>>>>;
  /** Tools whose calls a human approves, with the exact arguments, before they run. */
  approval?: readonly string[] | Readonly<Record<string, ApprovalOptions | true>>;
  rateLimits?: Readonly<Record<string, ToolRateLimitOptions>>;
}

/** One checked constraint on one argument. */
export type ArgumentRule =
  | { kind: 'input'; path: string; inputPath: string }
  | { kind: 'equals'; path: string; value: unknown }
  | { kind: 'oneOf'; path: string; values: readonly unknown[] }
  | { kind: 'pattern'; path: string; regex: RegExp }
  | { kind: 'range'; path: string; min: number | undefined; max: number | undefined }
  | { kind: 'check'; path: string; check: ArgumentCheck };

export interface ToolRateLimit {
  limit: number;
  periodMs: number;
  scope: RateLimitScope;
  whenLimited: 'wait' | 'fail';
}

/** A checked policy. */
export interface ToolAccessPolicy {
  /** Null: any tool. */
  readonly tools: ReadonlySet<string> | null;
  readonly constraints: ReadonlyMap<string, readonly ArgumentRule[]>;
  readonly approval: ReadonlyMap<string, { when: ApprovalOptions['when'] | null; assignee: string | null }>;
  readonly rateLimits: ReadonlyMap<string, ToolRateLimit>;
}

const POLICY_KEYS = new Set(['tools', 'constraints', 'approval', 'rateLimits']);
const TOOL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const ARG_PATH = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

/**
 * Checks a workflow's `policy` option.
 *
 * @throws InvalidArgumentError naming `where` and the path of the bad part (`policy.constraints.ehr.read.patientId`).
 */
export function validateToolAccessPolicy(options: ToolAccessPolicyOptions, where: string): ToolAccessPolicy {
  const fail = (path: string, problem: string): never => {
    throw new InvalidArgumentError(`${where}: ${path} ${problem}`, { path });
  };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail('policy', 'must be an object');
  for (const key of Object.keys(options)) if (!POLICY_KEYS.has(key)) fail(`policy.${key}`, 'is not a policy option');

  let tools: Set<string> | null = null;
  if (options.tools !== undefined) {
    if (!Array.isArray(options.tools)) fail('policy.tools', 'must be an array of tool names');
    const allowed = new Set<string>();
    (options.tools as readonly unknown[]).forEach((name, i) => {
      if (typeof name !== 'string' || !TOOL_NAME.test(name)) return fail(`policy.tools[${i}]`, 'is not a tool name');
      if (allowed.has(name)) fail(`policy.tools[${i}]`, `lists ${name} twice`);
      allowed.add(name);
    });
    tools = allowed;
  }
  const listed = (tool: string, path: string): void => {
    if (!TOOL_NAME.test(tool)) fail(path, 'is not a tool name');
    if (tools && !tools.has(tool)) fail(path, `names ${tool}, which policy.tools does not allow`);
  };

  const constraints = new Map<string, ArgumentRule[]>();
  for (const [tool, args] of entries(options.constraints, 'policy.constraints', fail)) {
    const path = `policy.constraints.${tool}`;
    listed(tool, path);
    const rules = Object.entries(objectAt(args, path, fail)).map(([arg, constraint]) => {
      if (!ARG_PATH.test(arg)) fail(`${path}.${arg}`, 'is not an argument path (names joined by dots)');
      return argumentRule(arg, constraint, `${path}.${arg}`, fail);
    });
    constraints.set(tool, rules);
  }

  const approval = new Map<string, { when: ApprovalOptions['when'] | null; assignee: string | null }>();
  if (Array.isArray(options.approval)) {
    (options.approval as unknown[]).forEach((tool, i) => {
      if (typeof tool !== 'string') fail(`policy.approval[${i}]`, 'is not a tool name');
      listed(tool as string, `policy.approval[${i}]`);
      approval.set(tool as string, { when: null, assignee: null });
    });
  } else {
    for (const [tool, spec] of entries(options.approval, 'policy.approval', fail)) {
      const path = `policy.approval.${tool}`;
      listed(tool, path);
      if (spec === true) {
        approval.set(tool, { when: null, assignee: null });
        continue;
      }
      const { when, assignee, ...rest } = objectAt(spec, path, fail) as ApprovalOptions;
      for (const key of Object.keys(rest)) fail(`${path}.${key}`, 'is not an approval option (when, assignee)');
      if (when !== undefined && typeof when !== 'function') fail(`${path}.when`, 'must be a function (args, input)');
      if (assignee !== undefined && (typeof assignee !== 'string' || assignee.trim() === '')) {
        fail(`${path}.assignee`, 'must be a non-empty string');
      }
      approval.set(tool, { when: when ?? null, assignee: assignee ?? null });
    }
  }

  const rateLimits = new Map<string, ToolRateLimit>();
  for (const [tool, spec] of entries(options.rateLimits, 'policy.rateLimits', fail)) {
    const path = `policy.rateLimits.${tool}`;
    listed(tool, path);
    const {
      limit,
      period,
      scope = 'global',
      whenLimited = 'wait',
      ...rest
    } = objectAt(spec, path, fail) as unknown as ToolRateLimitOptions;
    for (const key of Object.keys(rest)) fail(`${path}.${key}`, 'is not a rate limit option');
    if (!Number.isSafeInteger(limit) || limit < 1) fail(`${path}.limit`, `must be a positive integer; got ${limit}`);
    const periodMs = parseDuration(period, `${where}: ${path}.period`);
    if (periodMs <= 0) fail(`${path}.period`, 'must be more than 0 ms');
    const scopeOk =
      scope === 'global' ||
      scope === 'workflow' ||
      scope === 'run' ||
      (typeof scope === 'string' && inputPath(scope) !== null);
    if (!scopeOk) fail(`${path}.scope`, `must be global, workflow, run or $input.<path>; got ${JSON.stringify(scope)}`);
    if (whenLimited !== 'wait' && whenLimited !== 'fail') fail(`${path}.whenLimited`, 'must be wait or fail');
    rateLimits.set(tool, { limit, periodMs, scope, whenLimited });
  }

  return Object.freeze({ tools, constraints, approval, rateLimits });
}

/** The path of `'$input.a.b'` (`a.b`), or null when `value` is not such a reference. */
export function inputPath(value: string): string | null {
  if (!value.startsWith('$input.')) return null;
  const path = value.slice('$input.'.length);
  return ARG_PATH.test(path) ? path : null;
}

function argumentRule(
  path: string,
  constraint: unknown,
  where: string,
  fail: (path: string, problem: string) => never,
): ArgumentRule {
  if (typeof constraint === 'string' && constraint.startsWith('$input')) {
    const ref = inputPath(constraint);
    if (ref === null) fail(where, `refers to the input as ${JSON.stringify(constraint)}; write $input.<path>`);
    return { kind: 'input', path, inputPath: ref };
  }
  if (constraint === null || ['string', 'number', 'boolean'].includes(typeof constraint)) {
    return { kind: 'equals', path, value: constraint };
  }
  if (typeof constraint !== 'object' || Array.isArray(constraint) || constraint instanceof RegExp) {
    fail(
      where,
      'must be $input.<path>, a literal, or one of { equals }, { oneOf }, { pattern }, { min, max }, { check }',
    );
  }
  const c = constraint as Record<string, unknown>;
  const keys = Object.keys(c);
  const form = keys.length === 1 ? keys[0]! : keys.every((k) => k === 'min' || k === 'max') ? 'range' : '';
  switch (form) {
    case 'equals':
      return { kind: 'equals', path, value: c['equals'] };
    case 'oneOf': {
      const values = c['oneOf'];
      if (!Array.isArray(values) || values.length === 0) fail(`${where}.oneOf`, 'must be a non-empty array');
      return { kind: 'oneOf', path, values: values as unknown[] };
    }
    case 'pattern':
      return { kind: 'pattern', path, regex: compilePattern(c['pattern'], `${where}.pattern`, fail) };
    case 'min':
    case 'max':
    case 'range': {
      const min = c['min'];
      const max = c['max'];
      for (const [name, bound] of [
        ['min', min],
        ['max', max],
      ] as const) {
        if (bound !== undefined && (typeof bound !== 'number' || !Number.isFinite(bound))) {
          fail(`${where}.${name}`, 'must be a finite number');
        }
      }
      if (typeof min === 'number' && typeof max === 'number' && min > max) {
        fail(where, `has min ${min} greater than max ${max}`);
      }
      return { kind: 'range', path, min: min as number | undefined, max: max as number | undefined };
    }
    case 'check':
      if (typeof c['check'] !== 'function') fail(`${where}.check`, 'must be a function (value, { args, input })');
      return { kind: 'check', path, check: c['check'] as ArgumentCheck };
    default:
      return fail(where, `has keys ${keys.join(', ') || '(none)'}; use one of equals, oneOf, pattern, min/max, check`);
  }
}

function compilePattern(pattern: unknown, where: string, fail: (path: string, problem: string) => never): RegExp {
  if (pattern instanceof RegExp) {
    // A global or sticky regex keeps state between tests; a copy without those flags does not.
    return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  }
  if (typeof pattern !== 'string') return fail(where, 'must be a RegExp or a string');
  try {
    return new RegExp(pattern);
  } catch (error) {
    return fail(where, `is not a valid regular expression: ${(error as Error).message}`);
  }
}

function entries(
  value: unknown,
  path: string,
  fail: (path: string, problem: string) => never,
): Array<[string, unknown]> {
  if (value === undefined) return [];
  return Object.entries(objectAt(value, path, fail));
}

function objectAt(
  value: unknown,
  path: string,
  fail: (path: string, problem: string) => never,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(path, 'must be an object');
  return value as Record<string, unknown>;
}
