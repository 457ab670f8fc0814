import { InvalidArgumentError, VigilError } from './errors.js';

/**
 * The date the built-in prices were taken. A ledger entry is settled with the price table in
 * force when it was made, so a later table never changes recorded spend.
 */
export const PRICE_TABLE_VERSION = '2025-06-15';

/** USD per million tokens. `cached` is the price of input tokens served from the provider's prompt cache. */
export interface ModelPrice {
  input: number;
  output: number;
  cached: number;
}

/** Prices by model name. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** What a user may write over the table (`VigilOptions.pricing`, the config file): `cached` defaults to `input`. */
export type PriceOverrides = Readonly<Record<string, { input: number; output: number; cached?: number }>>;

/**
 * Token counts of one LLM call. `input` excludes cached tokens and `output` excludes reasoning
 * tokens, so nothing is counted twice: from OpenAI's usage, pass `prompt_tokens − cached_tokens`
 * and `completion_tokens − reasoning_tokens`; Anthropic's `input_tokens` already excludes cache reads.
 */
export interface TokenUsage {
  input: number;
  output: number;
  cached?: number;
  /** Hidden reasoning tokens: billed at the output price. */
  reasoning?: number;
}

/**
 * The built-in prices, USD per million tokens, as the providers published them on
 * {@link PRICE_TABLE_VERSION}: OpenAI's platform pricing page (standard tier, not batch or flex;
 * o3 after its June 2025 price cut) and Anthropic's model pricing page (`cached` = cache hits;
 * cache writes are not modelled and are billed as plain input). Prices change: override them in
 * `VigilOptions.pricing` rather than trusting these in production.
 */
export const DEFAULT_PRICES: PriceTable = Object.freeze({
  'gpt-4o': { input: 2.5, output: 10, cached: 1.25 },
  'gpt-4o-mini': { input: 0.15, output: 0.6, cached: 0.075 },
  'gpt-4.1': { input: 2, output: 8, cached: 0.5 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cached: 0.1 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, cached: 0.025 },
  o3: { input: 2, output: 8, cached: 0.5 },
  'o4-mini': { input: 1.1, output: 4.4, cached: 0.275 },
  'claude-sonnet-4': { input: 3, output: 15, cached: 0.3 },
  'claude-opus-4': { input: 15, output: 75, cached: 1.5 },
  'claude-haiku-3.5': { input: 0.8, output: 4, cached: 0.08 },
});

/** Models run on your own hardware (`local/llama3`, `ollama/qwen3`) cost nothing per token. */
const LOCAL_PREFIXES = ['local/', 'ollama/'];
const FREE: ModelPrice = Object.freeze({ input: 0, output: 0, cached: 0 });
/** A dated snapshot of a listed model: `gpt-4o-2024-08-06`, `claude-sonnet-4-20250514`. */
const DATED = /-(\d{4}-\d{2}-\d{2}|\d{8})$/;

/** The model has no price in the table: its cost cannot be known, so the call is not made. */
export class UnknownModelError extends VigilError {
  constructor(model: string) {
    super(
      'model_price_unknown',
      `No price for model ${JSON.stringify(model)}: add it to the pricing option (USD per million input, output and cached tokens), or a "default" entry`,
      { details: { model }, path: 'model' },
    );
  }
}

/**
 * The built-in table with `overrides` written over it, each price checked. An override named
 * `default` prices every model the table does not know; without it an unknown model is an
 * error (never a silent zero).
 *
 * @throws InvalidArgumentError naming the model and field of a bad price.
 */
export function resolvePriceTable(overrides: PriceOverrides = {}, base: PriceTable = DEFAULT_PRICES): PriceTable {
  if (typeof overrides !== 'object' || overrides === null) {
    throw new InvalidArgumentError('pricing must be an object of model names to prices', { path: 'pricing' });
  }
  const table: Record<string, ModelPrice> = { ...base };
  for (const [model, price] of Object.entries(overrides)) {
    const path = `pricing.${model}`;
    if (typeof price !== 'object' || price === null) {
      throw new InvalidArgumentError(`${path} must be { input, output, cached? } in USD per million tokens`, { path });
    }
    const input = usdRate(price.input, `${path}.input`);
    table[model] = Object.freeze({
      input,
      output: usdRate(price.output, `${path}.output`),
      cached: price.cached === undefined ? input : usdRate(price.cached, `${path}.cached`),
    });
  }
  return Object.freeze(table);
}

/** The price of `model`: listed, a dated snapshot of a listed one, local (free), or the `default` entry. */
export function priceOf(model: string, table: PriceTable = DEFAULT_PRICES): ModelPrice {
  const listed = table[model] ?? table[model.replace(DATED, '')];
  if (listed) return listed;
  if (LOCAL_PREFIXES.some((prefix) => model.startsWith(prefix))) return FREE;
  const fallback = table['default'];
  if (fallback) return fallback;
  throw new UnknownModelError(model);
}

/**
 * The USD cost of one LLM call: input, cached input, and output plus reasoning tokens at the
 * output price.
 *
 * @throws UnknownModelError when the table has no price for `model` and no `default`.
 * @example
 * costOf('gpt-4.1-mini', { input: 1200, output: 300, cached: 4000 }); // 0.00136
 */
export function costOf(model: string, usage: TokenUsage, table: PriceTable = DEFAULT_PRICES): number {
  const price = priceOf(model, table);
  const input = tokens(usage.input, 'input');
  const output = tokens(usage.output, 'output');
  const cached = tokens(usage.cached ?? 0, 'cached');
  const reasoning = tokens(usage.reasoning ?? 0, 'reasoning');
  return (input * price.input + cached * price.cached + (output + reasoning) * price.output) / 1_000_000;
}

function usdRate(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`${path} must be a finite number ≥ 0 (USD per million tokens)`, { path });
  }
  return value;
}

function tokens(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`usage.${field} must be a whole number of tokens ≥ 0`, { path: `usage.${field}` });
  }
  return value;
}
