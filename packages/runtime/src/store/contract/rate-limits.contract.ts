/** Contract cases for the rate-limit token buckets shared by every worker. */
import { expect, it } from 'vitest';

import type { ContractContext } from './context.js';

// Three calls a second: a burst of three, then one token every 333⅓ ms.
const SHAPE = { capacity: 3, refillPerMs: 3 / 1000 };

export function rateLimitsContract(ctx: () => ContractContext): void {
  it('starts full, gives out its burst, then says when the next token comes', async () => {
    const { store, clock } = ctx();
    const now = clock.now();
    expect(await store.rateLimits.get('search|global')).toBeNull();
    for (let i = 0; i < 3; i++) expect(await store.rateLimits.take('search|global', SHAPE, now)).toEqual({ ok: true });
    expect(await store.rateLimits.take('search|global', SHAPE, now)).toEqual({ ok: false, retryAt: now + 334 });
    // A refused take takes nothing: at retryAt the token is there.
    expect(await store.rateLimits.take('search|global', SHAPE, now + 334)).toEqual({ ok: true });
    expect(await store.rateLimits.take('search|global', SHAPE, now + 334)).toMatchObject({ ok: false });
    // Another key is another bucket.
    expect(await store.rateLimits.take('search|run:r1', SHAPE, now)).toEqual({ ok: true });
  });

  it('refills evenly up to its capacity, and a clock behind the bucket refills nothing', async () => {
    const { store, clock } = ctx();
    const now = clock.now();
    for (let i = 0; i < 3; i++) await store.rateLimits.take('mail|global', SHAPE, now);
    // A worker whose clock is a second behind gets nothing back for it.
    expect(await store.rateLimits.take('mail|global', SHAPE, now - 1000)).toMatchObject({ ok: false });
    // An hour later the bucket holds its capacity, no more.
    const later = now + 3_600_000;
    for (let i = 0; i < 3; i++) expect(await store.rateLimits.take('mail|global', SHAPE, later)).toEqual({ ok: true });
    expect(await store.rateLimits.take('mail|global', SHAPE, later)).toMatchObject({ ok: false });
    const record = await store.rateLimits.get('mail|global');
    expect(record).toMatchObject({ key: 'mail|global', updatedAt: later });
    expect(record!.tokens).toBeCloseTo(0, 9);
  });

  it('gives out exactly its tokens to concurrent takes from separate connections', async () => {
    const { store, clock, fx } = ctx();
    const other = fx.connect();
    const now = clock.now();
    const shape = { capacity: 5, refillPerMs: 1 / 60_000 };
    const takes = Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? store : other).rateLimits.take('pay|global', shape, now),
    );
    const results = await Promise.all(takes);
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results.filter((r) => !r.ok)).toHaveLength(15);
  });
}
