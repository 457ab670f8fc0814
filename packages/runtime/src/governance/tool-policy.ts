/**
 * Decides one tool call against a workflow's tool access policy: pure, with no I/O, so the
 * runtime's tool steps and an agent loop choosing tools for a model ask the same question and
 * get the same answer. Rate limits are not decided here: they need the shared bucket in the store.
 */
import { canonicalJson } from '../core/json.js';
import type { ArgumentRule, ToolAccessPolicy } from '../core/tool-access-policy.js';

export type ToolCallDecision =
  /** `rule` is the last rule that passed (`constraints.<tool>`, `tools`), null when none applied. */
  | { decision: 'allowed'; rule: string | null }
  | { decision: 'denied'; rule: string; reason: string }
  | { decision: 'approval'; rule: string; assignee: string | null };

/**
 * Whether `toolName` may be called with `args` in a run whose input is `input`: first the tool
 * list (rule `tools`), then each argument constraint (`constraints.<tool>.<path>`), then
 * approval (`approval.<tool>`). A predicate that throws denies the call, naming the error.
 *
 * @example
 * evaluateToolCall(workflow.policy, 'ehr.read', { patientId: 'P-2' }, { patientId: 'P-1' });
 * // → { decision: 'denied', rule: 'constraints.ehr.read.patientId', reason: '… must equal $input.patientId …' }
 */
export function evaluateToolCall(
  policy: ToolAccessPolicy | undefined,
  toolName: string,
  args: unknown,
  input: unknown,
): ToolCallDecision {
  if (!policy) return { decision: 'allowed', rule: null };
  let rule: string | null = null;
  if (policy.tools) {
    if (!policy.tools.has(toolName)) {
      return { decision: 'denied', rule: 'tools', reason: `${toolName} is not among the tools this workflow may call` };
    }
    rule = 'tools';
  }
  const constraints = policy.constraints.get(toolName);
  if (constraints) {
    for (const constraint of constraints) {
      const problem = breaks(constraint, args, input);
      if (problem !== null) {
        return { decision: 'denied', rule: `constraints.${toolName}.${constraint.path}`, reason: problem };
      }
    }
    rule = `constraints.${toolName}`;
  }
  const approval = policy.approval.get(toolName);
  if (approval) {
    let needed = true;
    if (approval.when) {
      try {
        needed = approval.when(args, input) === true;
      } catch (error) {
        return { decision: 'denied', rule: `approval.${toolName}`, reason: `its when() threw: ${describe(error)}` };
      }
    }
    if (needed) return { decision: 'approval', rule: `approval.${toolName}`, assignee: approval.assignee };
  }
  return { decision: 'allowed', rule };
}

/** The value at a dotted path (`a.b.c`) of a JSON-like value; undefined when any part is missing. */
export function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Why the argument breaks the constraint, or null when it keeps it. */
function breaks(rule: ArgumentRule, args: unknown, input: unknown): string | null {
  const value = valueAt(args, rule.path);
  const shown = `argument ${rule.path} (${show(value)})`;
  switch (rule.kind) {
    case 'input': {
      const expected = valueAt(input, rule.inputPath);
      if (expected === undefined) return `${shown} must equal $input.${rule.inputPath}, which the run's input lacks`;
      return same(value, expected) ? null : `${shown} must equal $input.${rule.inputPath} (${show(expected)})`;
    }
    case 'equals':
      return same(value, rule.value) ? null : `${shown} must equal ${show(rule.value)}`;
    case 'oneOf':
      return rule.values.some((allowed) => same(value, allowed))
        ? null
        : `${shown} must be one of ${rule.values.map(show).join(', ')}`;
    case 'pattern':
      if (typeof value !== 'string') return `${shown} must be a string matching ${String(rule.regex)}`;
      return rule.regex.test(value) ? null : `${shown} must match ${String(rule.regex)}`;
    case 'range': {
      const bounds = `${rule.min ?? '-∞'}..${rule.max ?? '∞'}`;
      if (typeof value !== 'number' || Number.isNaN(value)) return `${shown} must be a number in ${bounds}`;
      const inside = (rule.min === undefined || value >= rule.min) && (rule.max === undefined || value <= rule.max);
      return inside ? null : `${shown} must be in ${bounds}`;
    }
    case 'check': {
      let verdict: boolean | string;
      try {
        verdict = rule.check(value, { args, input });
      } catch (error) {
        return `${shown} failed its check, which threw: ${describe(error)}`;
      }
      if (verdict === true) return null;
      return typeof verdict === 'string' && verdict !== '' ? verdict : `${shown} failed its check`;
    }
  }
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return canonicalJson(a) === canonicalJson(b);
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? 'a value');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
