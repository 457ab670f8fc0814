import type { LanguageModelUsage } from 'ai';

import type { TokenCounts } from '../store/spend-store.js';

/**
 * Token counts as the price table reads them (`core/pricing.ts`): `input` without the tokens
 * served from the prompt cache (`cached`), `output` without hidden reasoning (`reasoning`), so
 * nothing is counted twice. Providers that say nothing count as 0.
 */
export function normaliseUsage(usage: LanguageModelUsage | undefined): TokenCounts {
  const inputTotal = count(usage?.inputTokens);
  const cached = count(usage?.inputTokenDetails?.cacheReadTokens ?? usage?.cachedInputTokens);
  const outputTotal = count(usage?.outputTokens);
  const reasoning = count(usage?.outputTokenDetails?.reasoningTokens ?? usage?.reasoningTokens);
  return {
    input: Math.max(0, inputTotal - cached),
    output: Math.max(0, outputTotal - reasoning),
    cached,
    reasoning,
  };
}

/**
 * A rough token count of `text` for reserving a call's cost before it is made: about four
 * characters a token in English, rounded up so the estimate errs high.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function count(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}
