/** Contract cases for flow control: concurrency limits, rate limits and priority in the queue. */
import { expect, it } from 'vitest';

import type { ClaimedRun, WorkflowKey } from '../queue-store.js';
import type { NewRun, NewRunFlow } from '../run-store.js';
import { WF, newRun, nextId, type ContractContext } from './context.js';

const WF2: WorkflowKey = { name: WF.name, version: 2 };

function limited(now: number, flow: Partial<NewRunFlow>, overrides: Partial<NewRun> = {}): NewRun {
  return newRun(now, { flow: { concurrency: null, keyed: null, rate: null, ...flow }, ...overrides });
}

const keyed = (key: string, limit = 1): Partial<NewRunFlow> => ({ keyed: { limit, key } });

export function flowControlContract(ctx: () => ContractContext): void {
  const claim = (owner: string, limit: number, workflows: WorkflowKey[] = [WF]): Promise<ClaimedRun[]> => {
    const { store, clock } = ctx();
    return store.queue.claim({ owner, now: clock.now(), leaseTtlMs: 60_000, limit, workflows });
  };
  const complete = async (claimed: ClaimedRun): Promise<void> => {
    const { store, clock } = ctx();
    await store.queue.finish(claimed.lease, { status: 'completed', output: '1' }, [], clock.now());
  };

  it('never leases two runs of a key with a keyed limit of 1, with several owners claiming at once', async () => {
    const { store, clock } = ctx();
    const keyOf = new Map<string, string>();
    const order: Record<string, string[]> = {};
    for (let i = 0; i < 24; i++) {
      const key = `patient-${i % 4}`;
      const run = limited(clock.now(), keyed(key));
      keyOf.set(run.id, key);
      (order[key] ??= []).push(run.id);
      await store.runs.create(run);
    }
    const active = new Map<string, ClaimedRun>();
    const started: Record<string, string[]> = {};
    for (let round = 0; round < 20 && [...Object.values(started)].flat().length < 24; round++) {
      const claims = await Promise.all(['w1', 'w2', 'w3', 'w4', 'w5'].map((owner) => claim(owner, 3)));
      for (const claimed of claims.flat()) {
        const key = keyOf.get(claimed.run.id)!;
        expect([...active.values()].map((a) => keyOf.get(a.run.id))).not.toContain(key);
        active.set(claimed.run.id, claimed);
        (started[key] ??= []).push(claimed.run.id);
      }
      // Half the active runs finish each round, so slots free up while others are held.
      for (const claimed of [...active.values()].filter((_, i) => i % 2 === round % 2)) {
        await complete(claimed);
        active.delete(claimed.run.id);
      }
      await clock.advance(10);
    }
    for (const claimed of active.values()) await complete(claimed);
    // Every run started, each key's in the order they were queued.
    expect(started).toEqual(order);
  });

  it('lets runs behind a blocked key start: a full key holds up nothing else', async () => {
    const { store, clock } = ctx();
    await store.runs.create(limited(clock.now(), keyed('A')));
    const [first] = await claim('w1', 1);
    const blocked: string[] = [];
    for (let i = 0; i < 40; i++) {
      const run = limited(clock.now(), keyed('A'));
      blocked.push(run.id);
      await store.runs.create(run);
    }
    const other = limited(clock.now(), keyed('B'));
    await store.runs.create(other);
    const plain = newRun(clock.now());
    await store.runs.create(plain);

    const claimed = await claim('w2', 2);
    expect(claimed.map((c) => c.run.id).sort()).toEqual([other.id, plain.id].sort());
    expect(await claim('w2', 5)).toEqual([]);
    for (const id of blocked) {
      expect(await store.runs.get(id)).toMatchObject({ status: 'queued', heldBy: 'concurrency_key' });
    }
    // Held runs cost no wake-ups: the next one is the active runs' lease expiry.
    expect(await store.timers.nextWakeAt([WF])).toBe(clock.now() + 60_000);

    await complete(first!);
    const [next] = await claim('w3', 5);
    expect(next!.run).toMatchObject({ id: blocked[0], status: 'running', attempt: 1, heldBy: null });
  });

  it('keeps a workflow-wide limit across versions, and releases the oldest when one finishes', async () => {
    const { store, clock } = ctx();
    const ids: string[] = [];
    for (const version of [1, 1, 2, 2, 1]) {
      const run = limited(clock.now(), { concurrency: 2 }, { version });
      ids.push(run.id);
      await store.runs.create(run);
      await clock.advance(1);
    }
    const both = [WF, WF2];
    const first = await claim('w1', 10, both);
    expect(first.map((c) => c.run.id)).toEqual(ids.slice(0, 2));
    expect(await claim('w2', 10, both)).toEqual([]);
    expect(await store.runs.get(ids[2]!)).toMatchObject({ heldBy: 'concurrency' });

    await store.queue.finish(
      first[0]!.lease,
      { status: 'failed', error: { name: 'Error', message: 'no' } },
      [],
      clock.now(),
    );
    const second = await claim('w2', 10, both);
    expect(second.map((c) => c.run.id)).toEqual([ids[2]]);
    await store.runs.cancel(first[1]!.run.id, clock.now());
    expect((await claim('w3', 10, both)).map((c) => c.run.id)).toEqual([ids[3]]);
  });

  it('starts at most `limit` runs per period and the rest later, dropping none', async () => {
    const { store, clock } = ctx();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const run = limited(clock.now(), { rate: { limit: 2, periodMs: 1000, key: '' } });
      ids.push(run.id);
      await store.runs.create(run);
    }
    const other = limited(clock.now(), { rate: { limit: 2, periodMs: 1000, key: 'elsewhere' } });
    await store.runs.create(other);
    const start = clock.now();
    const first = await claim('w1', 10);
    expect(first.map((c) => c.run.id)).toEqual([...ids.slice(0, 2), other.id]);
    expect(await claim('w1', 10)).toEqual([]);
    expect(await store.runs.get(ids[2]!)).toMatchObject({ status: 'queued', heldBy: 'rate_limit' });
    // The held runs' wake-up is the moment the window has room again, not the lease expiries.
    expect(await store.timers.nextWakeAt([WF])).toBe(start + 1000);

    await clock.advance(999);
    expect(await claim('w1', 10)).toEqual([]);
    await clock.advance(1);
    expect((await claim('w1', 10)).map((c) => c.run.id)).toEqual(ids.slice(2, 4));
    expect(await claim('w1', 10)).toEqual([]);
    await clock.advance(1000);
    expect((await claim('w1', 10)).map((c) => c.run.id)).toEqual([ids[4]]);
    // Nothing is held any more: no timer is left behind, the next wake-up is a lease expiry.
    for (const claimed of first) await complete(claimed);
    expect(await store.timers.nextWakeAt([WF])).toBe(start + 1000 + 60_000);
  });

  it('orders the queue by ready time minus priority, limited runs too', async () => {
    const { store, clock } = ctx();
    const old = newRun(clock.now());
    await store.runs.create(old);
    await clock.advance(10_000);
    const urgent = newRun(clock.now(), { priority: 60 });
    const urgentLimited = limited(clock.now(), { concurrency: 5 }, { priority: 30 });
    const plain = newRun(clock.now());
    const oldish = newRun(clock.now(), { priority: 5 });
    for (const run of [urgent, urgentLimited, plain, oldish]) await store.runs.create(run);

    expect(await store.runs.get(urgent.id)).toMatchObject({ priority: 60, readyAt: clock.now() - 60_000 });
    const order: string[] = [];
    for (let i = 0; i < 5; i++) order.push(...(await claim('w1', 1)).map((c) => c.run.id));
    expect(order).toEqual([urgent.id, urgentLimited.id, old.id, oldish.id, plain.id]);
  });

  it('never blocks a run that is already active: it is reclaimed over its limit after a sleep or a crash', async () => {
    const { store, clock } = ctx();
    await store.runs.create(limited(clock.now(), { concurrency: 1, ...keyed('A') }));
    const [first] = await claim('w1', 1);
    const waiting = limited(clock.now(), { concurrency: 1, ...keyed('A') });
    await store.runs.create(waiting);
    expect(await claim('w2', 5)).toEqual([]);

    await store.timers.suspend(first!.lease, { status: 'sleeping', wakeAt: clock.now() + 100 }, [], clock.now());
    await clock.advance(100);
    const [woken] = await claim('w2', 5);
    expect(woken!.run).toMatchObject({ id: first!.run.id, attempt: 2 });

    // Its worker dies: another takes it over when the lease expires; the waiting run still waits.
    await clock.advance(60_000);
    const [takenOver] = await claim('w3', 5);
    expect(takenOver!.run).toMatchObject({ id: first!.run.id, attempt: 3 });
    expect(await store.runs.get(waiting.id)).toMatchObject({ status: 'queued', attempt: 0 });

    await complete(takenOver!);
    expect((await claim('w3', 5)).map((c) => c.run.id)).toEqual([waiting.id]);
  });

  it('releases the next run when a held or active run of a key is cancelled', async () => {
    const { store, clock } = ctx();
    const runs = [0, 1, 2].map(() => limited(clock.now(), keyed('A')));
    for (const run of runs) await store.runs.create(run);
    const [active] = await claim('w1', 5);
    expect(active!.run.id).toBe(runs[0]!.id);
    expect(await store.runs.cancel(runs[1]!.id, clock.now())).toMatchObject({ status: 'cancelled', heldBy: null });
    expect(await claim('w1', 5)).toEqual([]);
    await store.runs.cancel(active!.run.id, clock.now());
    expect((await claim('w1', 5)).map((c) => c.run.id)).toEqual([runs[2]!.id]);
  });

  it('queues a replayed dead-lettered run for a slot again', async () => {
    const { store, clock } = ctx();
    const runs = [0, 1].map(() => limited(clock.now(), keyed('A')));
    for (const run of runs) await store.runs.create(run);
    const [first] = await claim('w1', 5);
    const error = { name: 'Error', message: 'down' };
    const letter = { id: nextId(), reason: 'failed', failedSeq: null, failedStep: null, context: '{}' };
    await store.queue.finish(first!.lease, { status: 'dead_lettered', error, deadLetter: letter }, [], clock.now());
    const [second] = await claim('w1', 5);
    expect(second!.run.id).toBe(runs[1]!.id);

    await store.deadLetters.replay(letter.id, { fromSeq: 1, principal: null, now: clock.now() });
    expect(await claim('w2', 5)).toEqual([]);
    await complete(second!);
    expect((await claim('w2', 5)).map((c) => c.run.id)).toEqual([first!.run.id]);
  });

  it('creates a run under limits queued, never leased to the creating worker', async () => {
    const { store, clock } = ctx();
    const run = limited(clock.now(), keyed('A'), { leaseTo: { owner: 'local', leaseTtlMs: 1000 } });
    await expect(store.runs.create(run)).rejects.toThrow(/flow control/);
    expect(await store.runs.get(run.id)).toBeNull();
  });
}
