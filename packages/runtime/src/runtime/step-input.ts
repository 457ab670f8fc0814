import { redactForAudit, type RedactionRules } from '../governance/audit-redaction.js';

/**
 * The largest step input kept, in bytes of JSON text. A bigger one is recorded as a marker
 * with its size: the step panel is for reading, and a payload that large is better read from
 * the system that produced it.
 */
export const MAX_STEP_INPUT_BYTES = 64 * 1024;

/**
 * A tool call's checked arguments as the step row records them: redacted by the audit trail's
 * rules, so a secret the trail hides never reaches the step panel either. The paths written for
 * a tool's arguments in the trail (`policy.decided.args.notes`) apply, and so do paths of the
 * type `step.input` (`step.input.notes`). One pass over the arguments.
 */
export function toolStepInput(args: unknown, rules: RedactionRules): string {
  return capped(JSON.stringify(redactForAudit('step.input', args, inputRules(rules))));
}

const TOOL_ARGS_PATH = ['policy', 'decided', 'args'];
const merged = new WeakMap<RedactionRules, RedactionRules>();

/** `rules` with each `policy.decided.args.<key>…` path also as `step.input.<key>…`; made once per rules. */
function inputRules(rules: RedactionRules): RedactionRules {
  let result = merged.get(rules);
  if (!result) {
    const argsPaths = rules.paths
      .filter((path) => path.length > TOOL_ARGS_PATH.length && TOOL_ARGS_PATH.every((s, i) => path[i] === s))
      .map((path) => ['step', 'input', ...path.slice(TOOL_ARGS_PATH.length)]);
    result = argsPaths.length === 0 ? rules : { ...rules, paths: [...rules.paths, ...argsPaths] };
    merged.set(rules, result);
  }
  return result;
}

/** What an LLM call is recorded with: a summary, not the conversation (replay rebuilds that). */
export interface LlmInputSummary {
  model: string;
  /** Messages sent: the conversation's, or 1 for a prompt; the system prompt is not counted. */
  messages: number;
  system: boolean;
  /** The tools offered to the model, by name. */
  tools: string[];
  /** Whether a structured answer (a zod schema) was asked for. */
  structured: boolean;
}

export function llmStepInput(summary: LlmInputSummary): string {
  return JSON.stringify(summary);
}

function capped(json: string): string {
  const bytes = Buffer.byteLength(json, 'utf8');
  return bytes <= MAX_STEP_INPUT_BYTES ? json : JSON.stringify({ truncated: true, bytes });
}
