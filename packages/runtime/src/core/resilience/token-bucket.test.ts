import { expect, it } from 'vitest';

import { takeToken } from './token-bucket.js';

const SHAPE = { capacity: 2, refillPerMs: 1 / 1000 };

it('starts full, refills evenly up to its capacity, and says when the next token comes', () => {
  let step = takeToken(null, SHAPE, 0);
  expect(step).toEqual({ state: { tokens: 1, updatedAt: 0 }, result: { ok: true } });
  step = takeToken(step.state, SHAPE, 0);
  expect(step.result).toEqual({ ok: true });
  step = takeToken(step.state, SHAPE, 250);
  expect(step).toEqual({ state: { tokens: 0.25, updatedAt: 250 }, result: { ok: false, retryAt: 1000 } });
  expect(takeToken(step.state, SHAPE, 1000).result).toEqual({ ok: true });
  expect(takeToken(step.state, SHAPE, 1_000_000).state.tokens).toBe(1);
});

it('refills nothing when the clock runs backwards', () => {
  const empty = { tokens: 0, updatedAt: 5000 };
  expect(takeToken(empty, SHAPE, 1000)).toEqual({ state: empty, result: { ok: false, retryAt: 6000 } });
});
