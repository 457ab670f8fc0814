/** Contract cases for circuit breakers shared by every worker: opening, one probe, closing, reset. */
import { expect, it } from 'vitest';

import { resolveBreakerPolicy } from '../../core/resilience/circuit-breaker.js';
import type { Store } from '../store.js';
import type { ContractContext } from './context.js';

const policy = resolveBreakerPolicy({ failureThreshold: 3, cooldown: '10s' }, 'contract');
const PROBE_LEASE = 2000;

async function fail(store: Store, key: string, now: number, times: number, error = 'HTTP 503'): Promise<void> {
  for (let i = 0; i < times; i++) {
    await store.breakers.record(key, 'search', policy, now, { ok: false, error }, false);
  }
}

export function breakersContract(ctx: () => ContractContext): void {
  it('treats a missing breaker as closed, and writes nothing for calls that change nothing', async () => {
    const { store, clock } = ctx();
    const admission = await store.breakers.admit('search', 'search', policy, clock.now(), PROBE_LEASE);
    expect(admission).toMatchObject({ admitted: true, probe: false, state: { status: 'closed' } });
    const recorded = await store.breakers.record('search', 'search', policy, clock.now(), { ok: true }, false);
    expect(recorded).toMatchObject({
      previous: 'closed',
      breaker: { key: 'search', tool: 'search', status: 'closed' },
    });
    expect(await store.breakers.get('search')).toBeNull();
    expect(await store.breakers.list()).toEqual([]);
    expect(await store.breakers.reset('search', clock.now())).toBeNull();
  });

  it('opens after consecutive failures and rejects calls until the cooldown passes', async () => {
    const { store, clock } = ctx();
    await fail(store, 'search', clock.now(), 2);
    expect(await store.breakers.get('search')).toMatchObject({ status: 'closed', consecutiveFailures: 2 });
    // A success in between starts the count again.
    await store.breakers.record('search', 'search', policy, clock.now(), { ok: true }, false);
    await fail(store, 'search', clock.now(), 2);
    const third = await store.breakers.record(
      'search',
      'search',
      policy,
      clock.now(),
      { ok: false, error: 'HTTP 500' },
      false,
    );
    expect(third.previous).toBe('closed');
    const opened = {
      key: 'search',
      tool: 'search',
      status: 'open',
      consecutiveFailures: 3,
      openedAt: clock.now(),
      openUntil: clock.now() + 10_000,
      probeUntil: null,
      lastError: 'HTTP 500',
    };
    expect(third.breaker).toMatchObject(opened);
    expect(await store.breakers.get('search')).toMatchObject(opened);
    expect(await store.breakers.list()).toEqual([await store.breakers.get('search')]);

    await clock.advance(9_999);
    const rejected = await store.breakers.admit('search', 'search', policy, clock.now(), PROBE_LEASE);
    expect(rejected).toMatchObject({ admitted: false, retryAt: clock.now() + 1 });
    // Other keys are other breakers.
    expect(await store.breakers.admit('mail', 'mail', policy, clock.now(), PROBE_LEASE)).toMatchObject({
      admitted: true,
    });
  });

  it('lets exactly one of two concurrent callers probe after the cooldown; its success closes the breaker', async () => {
    const { store, clock } = ctx();
    await fail(store, 'search', clock.now(), 3);
    await clock.advance(10_000);
    const admissions = await Promise.all([
      store.breakers.admit('search', 'search', policy, clock.now(), PROBE_LEASE),
      store.breakers.admit('search', 'search', policy, clock.now(), PROBE_LEASE),
    ]);
    const probes = admissions.filter((a) => a.admitted && a.probe);
    expect(probes).toHaveLength(1);
    expect(admissions.filter((a) => !a.admitted)).toEqual([
      expect.objectContaining({ admitted: false, retryAt: clock.now() + PROBE_LEASE }),
    ]);
    expect(await store.breakers.get('search')).toMatchObject({
      status: 'half_open',
      probeUntil: clock.now() + PROBE_LEASE,
    });

    await clock.advance(100);
    const closed = await store.breakers.record('search', 'search', policy, clock.now(), { ok: true }, true);
    expect(closed.previous).toBe('half_open');
    expect(closed.breaker).toMatchObject({ status: 'closed', consecutiveFailures: 0, openUntil: null });
    expect(await store.breakers.get('search')).toMatchObject({ status: 'closed', consecutiveFailures: 0 });
    expect(await store.breakers.admit('search', 'search', policy, clock.now(), PROBE_LEASE)).toMatchObject({
      admitted: true,
      probe: false,
    });
  });

  it('opens again when the probe fails, and lets another caller probe when a probe never reports', async () => {
    const { store, clock } = ctx();
    await fail(store, 'search', clock.now(), 3);
    await clock.advance(10_000);
    expect(await store.breakers.admit('search', 'search', policy, clock.now(), PROBE_LEASE)).toMatchObject({
      probe: true,
    });
    const reopened = await store.breakers.record(
      'search',
      'search',
      policy,
      clock.now(),
      { ok: false, error: 'still down' },
      true,
    );
    expect(reopened).toMatchObject({
      previous: 'half_open',
      breaker: { status: 'open', openUntil: clock.now() + 10_000, lastError: 'still down' },
    });

    await clock.advance(10_000);
    expect(await store.breakers.admit('search', 'search', policy, clock.now(), PROBE_LEASE)).toMatchObject({
      probe: true,
    });
    await clock.advance(PROBE_LEASE);
    // The first probe's worker died: the next caller probes.
    expect(await store.breakers.admit('search', 'search', policy, clock.now(), PROBE_LEASE)).toMatchObject({
      admitted: true,
      probe: true,
    });
  });

  it('resets a breaker to closed with its counters cleared', async () => {
    const { store, clock } = ctx();
    await fail(store, 'search', clock.now(), 3);
    await fail(store, 'mail', clock.now(), 1, 'SMTP 421');
    expect((await store.breakers.list()).map((b) => [b.key, b.status])).toEqual([
      ['mail', 'closed'],
      ['search', 'open'],
    ]);
    await clock.advance(5);
    const reset = await store.breakers.reset('search', clock.now());
    expect(reset).toMatchObject({
      key: 'search',
      tool: 'search',
      status: 'closed',
      consecutiveFailures: 0,
      windowCalls: 0,
      windowFailures: 0,
      openedAt: null,
      openUntil: null,
      probeUntil: null,
      updatedAt: clock.now(),
    });
    expect(await store.breakers.get('search')).toEqual(reset);
    expect(await store.breakers.admit('search', 'search', policy, clock.now(), PROBE_LEASE)).toMatchObject({
      admitted: true,
      probe: false,
    });
  });
}
