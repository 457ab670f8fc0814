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
 * type `step.input` (`step.input.notes`).
 */
export function toolStepInput(args: unknown, rules: RedactionRules): string {
  const asInTrail = redactForAudit('policy.decided', { args }, rules) as { args?: unknown };
  return capped(JSON.stringify(redactForAudit('step.input', asInTrail.args ?? null, rules)));
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
