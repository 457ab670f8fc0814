import type { TokenCounts } from '../store/spend-store.js';

/**
 * What the tool access policy decided on a tool step, once, before its first attempt: kept so
 * that a resumed run never asks again (an approval in particular) and the timeline shows it.
 */
export interface PolicyDetail {
  decision: 'allowed' | 'denied' | 'approval_requested' | 'approved' | 'rejected';
  /** The rule that decided; null when no rule applied. */
  rule: string | null;
  reason?: string;
  /** For approvals: the SHA-256 of the arguments shown to the human, which the call must still have. */
  argsHash?: string;
}

/**
 * The policy state a step carries across executions, stored as JSON in its row's `detail`
 * (and covered by its checksum): how many attempts of the current round failed, the
 * escalation it waits on or raised, and what the tool access policy decided.
 */
export interface StepDetail {
  /** Failed attempts since the round began (an escalation's `retry` starts a new round). */
  failed?: number;
  escalationId?: string;
  assignee?: string;
  /** The first failure was an unknown outcome of an at-most-once call (a crash or timeout). */
  unknownOutcome?: boolean;
  /** The step's checkpoint failed its checksum and it waits on a `checkpoint_corrupted` escalation. */
  corruptCheckpoint?: boolean;
  /** Tool steps: the tool access policy's decision. */
  policy?: PolicyDetail;
  /** The step waits for a token of its tool's rate limit until then. */
  rateLimitedUntil?: number;
  /** LLM steps: the model, its tokens, cost and latency, of the attempt that answered. */
  llm?: { model: string; tokens: TokenCounts; costUsd: number; latencyMs: number; reasoning?: string };
}

export function parseDetail(text: string | null | undefined): StepDetail {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}

export function writeDetail(detail: StepDetail): string | null {
  const entries = Object.entries(detail).filter(([, value]) => value !== undefined);
  return entries.length === 0 ? null : JSON.stringify(Object.fromEntries(entries));
}
