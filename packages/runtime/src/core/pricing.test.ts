import { describe, expect, it } from 'vitest';

import {
  costOf,
  DEFAULT_PRICES,
  priceOf,
  PRICE_TABLE_VERSION,
  resolvePriceTable,
  UnknownModelError,
} from './pricing.js';

describe('pricing', () => {
  it('prices input, cached input, and output with reasoning tokens at the output price', () => {
    expect(PRICE_TABLE_VERSION).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // gpt-4.1-mini: $0.40 in, $0.10 cached, $1.60 out per million.
    expect(costOf('gpt-4.1-mini', { input: 1_000_000, output: 0 })).toBeCloseTo(0.4, 12);
    expect(costOf('gpt-4.1-mini', { input: 1200, output: 300, cached: 4000 })).toBeCloseTo(0.00136, 12);
    expect(costOf('o3', { input: 0, output: 1000, reasoning: 3000 })).toBeCloseTo((4000 * 8) / 1e6, 12);
    expect(costOf('claude-sonnet-4', { input: 10_000, output: 2_000, cached: 50_000 })).toBeCloseTo(0.075, 12);
  });

  it('knows dated snapshots of listed models, and local models cost nothing', () => {
    expect(priceOf('gpt-4o-2024-08-06')).toBe(DEFAULT_PRICES['gpt-4o']);
    expect(priceOf('claude-opus-4-20250514')).toBe(DEFAULT_PRICES['claude-opus-4']);
    expect(costOf('ollama/llama3.1', { input: 5000, output: 5000 })).toBe(0);
    expect(costOf('local/qwen3', { input: 5000, output: 5000 })).toBe(0);
  });

  it('refuses an unknown model rather than billing it as free, unless a default price is configured', () => {
    expect(() => costOf('gpt-9', { input: 1, output: 1 })).toThrow(UnknownModelError);
    expect(() => costOf('gpt-9', { input: 1, output: 1 })).toThrow(/No price for model "gpt-9"/);
    const table = resolvePriceTable({ default: { input: 1, output: 2 } });
    expect(costOf('gpt-9', { input: 1_000_000, output: 1_000_000 }, table)).toBe(3);
  });

  it('writes user prices over the table, cached defaulting to the input price', () => {
    const table = resolvePriceTable({
      'gpt-4o': { input: 2, output: 9, cached: 1 },
      'my-finetune': { input: 3, output: 12 },
    });
    expect(table['gpt-4o']).toEqual({ input: 2, output: 9, cached: 1 });
    expect(table['my-finetune']).toEqual({ input: 3, output: 12, cached: 3 });
    expect(table['o3']).toBe(DEFAULT_PRICES['o3']);
    expect(DEFAULT_PRICES['gpt-4o']).toEqual({ input: 2.5, output: 10, cached: 1.25 });
  });

  it('names the bad field of a price or a usage', () => {
    expect(() => resolvePriceTable({ x: { input: -1, output: 1 } })).toThrow(/pricing\.x\.input/);
    expect(() => resolvePriceTable({ x: { input: 1, output: Number.NaN } })).toThrow(/pricing\.x\.output/);
    expect(() => costOf('o3', { input: 1.5, output: 0 })).toThrow(/usage\.input/);
    expect(() => costOf('o3', { input: 1, output: -2 })).toThrow(/usage\.output/);
  });
});
