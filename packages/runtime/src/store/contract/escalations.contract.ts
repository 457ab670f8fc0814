/** Contract cases for escalations: opened with a step, listed, resolved once, cancelled with their run. */
import { expect, it } from 'vitest';

import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { Lease } from '../lease.js';
import type { NewEscalation } from '../escalation-store.js';
import type { Store } from '../store.js';
import { escalation, newRun, nextId, step, type ContractContext } from './context.js';

/** Creates a run leased to `w1` and commits a step of it that raises `overrides`' escalation. */
async function raise(
  store: Store,
  now: number,
  overrides: Partial<NewEscalation> = {},
): Promise<{ lease: Lease; raised: NewEscalation }> {
  const created = await store.runs.create(newRun(now, { leaseTo: { owner: 'w1', leaseTtlMs: 60_000 } }));
  const { lease } = created.leased!;
  const raised = escalation(lease.runId, 1, now, overrides);
  await store.checkpoints.commit(lease, [{ ...step(1, { status: 'waiting', output: null }), escalation: raised }]);
  return { lease, raised };
}

const open = { status: 'open', decision: null, value: null, resolvedBy: null, note: null, resolvedAt: null } as const;

export function escalationsContract(ctx: () => ContractContext): void {
  it('lists escalations newest first, by status, run, assignee and cursor', async () => {
    const { store, clock } = ctx();
    const a = await raise(store, clock.now(), { assignee: 'alice' });
    const b = await raise(store, clock.now(), { assignee: 'bob', blocking: false, timeoutAt: 99, onTimeout: 'skip' });
    const c = await raise(store, clock.now(), { assignee: 'alice', kind: 'outcome_unknown' });
    await store.escalations.resolve(c.raised.id, {
      decision: 'skip',
      value: null,
      resolvedBy: 'user:alice',
      note: null,
      now: clock.now(),
    });
    const ids = (list: Array<{ id: string }>) => list.map((e) => e.id);

    expect(await store.escalations.get(b.raised.id)).toEqual({ ...b.raised, ...open });
    expect(await store.escalations.get(nextId())).toBeNull();
    expect(ids(await store.escalations.list({ limit: 10 }))).toEqual([c.raised.id, b.raised.id, a.raised.id]);
    expect(ids(await store.escalations.list({ limit: 2 }))).toEqual([c.raised.id, b.raised.id]);
    expect(ids(await store.escalations.list({ limit: 10, before: b.raised.id }))).toEqual([a.raised.id]);
    expect(ids(await store.escalations.list({ limit: 10, status: 'open' }))).toEqual([b.raised.id, a.raised.id]);
    expect(ids(await store.escalations.list({ limit: 10, assignee: 'alice' }))).toEqual([c.raised.id, a.raised.id]);
    expect(ids(await store.escalations.list({ limit: 10, runId: a.lease.runId }))).toEqual([a.raised.id]);
    expect(ids(await store.escalations.list({ limit: 10, status: 'resolved', assignee: 'bob' }))).toEqual([]);
  });

  it('resolves an open escalation once; a second resolution conflicts', async () => {
    const { store, clock } = ctx();
    const { lease, raised } = await raise(store, clock.now());
    await clock.advance(500);
    const resolution = {
      decision: 'provide' as const,
      value: '{"approved":true}',
      resolvedBy: 'user:dr-house',
      note: 'checked with the pharmacy',
      now: clock.now(),
    };
    const resolved = await store.escalations.resolve(raised.id, resolution);
    const expected = {
      ...raised,
      status: 'resolved',
      decision: 'provide',
      value: '{"approved":true}',
      resolvedBy: 'user:dr-house',
      note: 'checked with the pharmacy',
      resolvedAt: clock.now(),
    };
    expect(resolved).toEqual(expected);
    expect(await store.escalations.get(raised.id)).toEqual(expected);
    // The run was still leased (running): its worker picks the resolution up itself.
    expect(await store.runs.get(lease.runId)).toMatchObject({ status: 'running', lease: { owner: 'w1' } });

    const again = store.escalations.resolve(raised.id, { ...resolution, decision: 'abort' });
    await expect(again).rejects.toSatisfy((e) => ConflictError.is(e) && e.code === 'escalation_not_open');
    expect((await store.escalations.get(raised.id))!.decision).toBe('provide');
    await expect(store.escalations.resolve(nextId(), resolution)).rejects.toSatisfy(
      (e) => NotFoundError.is(e) && e.code === 'escalation_not_found',
    );
  });

  it('resolves exactly one of two concurrent resolutions', async () => {
    const { store, clock } = ctx();
    const { raised } = await raise(store, clock.now());
    const resolution = (decision: 'retry' | 'skip') => ({
      decision,
      value: null,
      resolvedBy: `user:${decision}`,
      note: null,
      now: clock.now(),
    });
    const results = await Promise.allSettled([
      store.escalations.resolve(raised.id, resolution('retry')),
      store.escalations.resolve(raised.id, resolution('skip')),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(ConflictError.is(rejected?.reason)).toBe(true);
    const winner = results.find((r) => r.status === 'fulfilled')!.value;
    expect((await store.escalations.get(raised.id))!.decision).toBe(winner.decision);
  });

  it('records a resolution by timeout as timed out', async () => {
    const { store, clock } = ctx();
    const { raised } = await raise(store, clock.now(), { timeoutAt: clock.now() + 1000, onTimeout: 'skip' });
    await clock.advance(1000);
    const resolved = await store.escalations.resolve(raised.id, {
      decision: 'skip',
      value: null,
      resolvedBy: 'timeout',
      note: null,
      timedOut: true,
      now: clock.now(),
    });
    expect(resolved).toMatchObject({ status: 'timed_out', decision: 'skip', resolvedBy: 'timeout' });
  });

  it('cancels the open escalations of a cancelled run, and only those', async () => {
    const { store, clock } = ctx();
    const { lease, raised: first } = await raise(store, clock.now());
    await store.escalations.resolve(first.id, {
      decision: 'retry',
      value: null,
      resolvedBy: 'user:a',
      note: null,
      now: clock.now(),
    });
    const second = escalation(lease.runId, 2, clock.now(), { blocking: false });
    await store.checkpoints.commit(lease, [{ ...step(2, { status: 'escalated' }), escalation: second }]);
    const elsewhere = await raise(store, clock.now());

    await clock.advance(10);
    await store.runs.cancel(lease.runId, clock.now());
    expect(await store.escalations.get(second.id)).toMatchObject({ status: 'cancelled', resolvedAt: clock.now() });
    expect((await store.escalations.get(first.id))!.status).toBe('resolved');
    expect((await store.escalations.get(elsewhere.raised.id))!.status).toBe('open');
    const late = store.escalations.resolve(second.id, {
      decision: 'skip',
      value: null,
      resolvedBy: 'user:a',
      note: null,
      now: clock.now(),
    });
    await expect(late).rejects.toSatisfy((e) => ConflictError.is(e) && e.code === 'escalation_not_open');
  });
}
