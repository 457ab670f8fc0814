/**
 * The conformance suite every `Store` passes. Each dialect's test file calls
 * `describeStoreContract(name, factory)`; a gap in a backend is an explicit `skip` with a
 * reason, never a quiet condition.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ConflictError, LeaseLostError } from '../core/errors.js';
import type { FakeClock } from '../testing/fake-clock.js';
import type { StepWrite } from './checkpoint-store.js';
import type { Lease, WorkflowKey } from './queue-store.js';
import type { NewRun } from './run-store.js';
import type { Store } from './store.js';

export interface StoreFixture {
  store: Store;
  clock: FakeClock;
  /** Changes a stored step payload behind the store's back, as a bad disk would. */
  corruptStep(runId: string, seq: number): Promise<void>;
  close(): Promise<void>;
}

const WF: WorkflowKey = { name: 'contract.flow', version: 1 };
const OTHER: WorkflowKey = { name: 'contract.other', version: 1 };
let idCounter = 0;

/** Ids that sort by creation, like real run ids. */
function runId(): string {
  idCounter++;
  return `00000000-0000-7000-8000-${idCounter.toString(16).padStart(12, '0')}`;
}

function newRun(now: number, overrides: Partial<NewRun> = {}): NewRun {
  return {
    id: runId(),
    workflow: WF.name,
    version: WF.version,
    input: '{"n":1}',
    inputHash: 'hash-1',
    idempotencyKey: null,
    principal: null,
    now,
    ...overrides,
  };
}

function step(seq: number, overrides: Partial<StepWrite> = {}): StepWrite {
  return {
    seq,
    name: `step-${seq}`,
    kind: 'step',
    status: 'completed',
    attempts: 1,
    output: JSON.stringify({ seq }),
    error: null,
    wakeAt: null,
    startedAt: 1,
    endedAt: 2,
    ...overrides,
  };
}

export function describeStoreContract(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fx: StoreFixture;
    let store: Store;
    let clock: FakeClock;

    beforeEach(async () => {
      fx = await makeFixture();
      store = fx.store;
      clock = fx.clock;
      await store.migrate();
    });
    afterEach(async () => {
      await fx.close();
    });

    const claimOne = async (owner = 'w1', ttl = 10_000): Promise<{ lease: Lease; runId: string }> => {
      const [claimed] = await store.queue.claim({
        owner,
        now: clock.now(),
        leaseTtlMs: ttl,
        limit: 1,
        workflows: [WF],
      });
      expect(claimed).toBeDefined();
      return { lease: claimed!.lease, runId: claimed!.run.id };
    };

    it('applies migrations idempotently', async () => {
      await store.migrate();
      await store.migrate();
      expect(store.dialect).toMatch(/sqlite|postgres/);
      expect(store.describe()).toContain(store.dialect);
    });

    it('creates a queued run, ready at once, and reads it back', async () => {
      const run = newRun(clock.now(), { principal: 'key:test', idempotencyKey: 'k-1' });
      const created = await store.runs.create(run);
      expect(created).toEqual({ id: run.id, status: 'queued', created: true });
      const record = await store.runs.get(run.id);
      expect(record).toMatchObject({
        id: run.id,
        workflow: WF.name,
        version: 1,
        status: 'queued',
        input: '{"n":1}',
        inputIntact: true,
        output: null,
        error: null,
        idempotencyKey: 'k-1',
        principal: 'key:test',
        attempt: 0,
        readyAt: clock.now(),
        lease: null,
        createdAt: clock.now(),
        finishedAt: null,
      });
      expect(await store.runs.get(runId())).toBeNull();
    });

    it('creates a run already leased to a worker, which no one else claims', async () => {
      const run = newRun(clock.now(), { leaseTo: { owner: 'local', leaseTtlMs: 3000 } });
      const created = await store.runs.create(run);
      expect(created.status).toBe('running');
      expect(created.leased!.lease).toEqual({ runId: run.id, owner: 'local', epoch: 1 });
      expect(created.leased!.run).toMatchObject({
        id: run.id,
        status: 'running',
        attempt: 1,
        readyAt: null,
        inputIntact: true,
      });
      expect(created.leased!.run.lease).toEqual({ owner: 'local', epoch: 1, expiresAt: clock.now() + 3000 });
      expect(
        await store.queue.claim({ owner: 'w2', now: clock.now(), leaseTtlMs: 1000, limit: 5, workflows: [WF] }),
      ).toEqual([]);
      await store.checkpoints.commit(created.leased!.lease, [step(1)]);
      await clock.advance(3000);
      const [reclaimed] = await store.queue.claim({
        owner: 'w2',
        now: clock.now(),
        leaseTtlMs: 1000,
        limit: 5,
        workflows: [WF],
      });
      expect(reclaimed!.lease.epoch).toBe(2);
    });

    it('keeps one run per idempotency key and refuses the key for other input', async () => {
      const first = newRun(clock.now(), { idempotencyKey: 'order-77' });
      await store.runs.create(first);
      const again = await store.runs.create(newRun(clock.now(), { idempotencyKey: 'order-77' }));
      expect(again).toEqual({ id: first.id, status: 'queued', created: false });

      const otherInput = store.runs.create(newRun(clock.now(), { idempotencyKey: 'order-77', inputHash: 'hash-2' }));
      await expect(otherInput).rejects.toSatisfy((e) => ConflictError.is(e) && e.code === 'idempotency_conflict');
      const otherWorkflow = store.runs.create(
        newRun(clock.now(), { idempotencyKey: 'order-77', workflow: OTHER.name }),
      );
      await expect(otherWorkflow).rejects.toSatisfy((e) => ConflictError.is(e));
      expect((await store.runs.list({ limit: 10 })).length).toBe(1);
    });

    it('lists newest first with status, workflow and cursor filters', async () => {
      const a = newRun(clock.now());
      const b = newRun(clock.now(), { workflow: OTHER.name });
      const c = newRun(clock.now());
      for (const run of [a, b, c]) await store.runs.create(run);
      await store.runs.cancel(b.id, clock.now());

      expect((await store.runs.list({ limit: 10 })).map((r) => r.id)).toEqual([c.id, b.id, a.id]);
      expect((await store.runs.list({ limit: 2 })).map((r) => r.id)).toEqual([c.id, b.id]);
      expect((await store.runs.list({ limit: 10, before: b.id })).map((r) => r.id)).toEqual([a.id]);
      expect((await store.runs.list({ limit: 10, status: 'cancelled' })).map((r) => r.id)).toEqual([b.id]);
      expect((await store.runs.list({ limit: 10, workflow: WF.name })).map((r) => r.id)).toEqual([c.id, a.id]);
    });

    it('claims ready runs of the given workflows under a lease, once', async () => {
      const mine = newRun(clock.now());
      await store.runs.create(mine);
      await store.runs.create(newRun(clock.now(), { workflow: OTHER.name }));

      const claimed = await store.queue.claim({
        owner: 'w1',
        now: clock.now(),
        leaseTtlMs: 5000,
        limit: 10,
        workflows: [WF],
      });
      expect(claimed).toHaveLength(1);
      expect(claimed[0]!.lease).toEqual({ runId: mine.id, owner: 'w1', epoch: 1 });
      expect(claimed[0]!.run).toMatchObject({ status: 'running', attempt: 1, readyAt: null });
      expect(claimed[0]!.run.lease).toEqual({ owner: 'w1', epoch: 1, expiresAt: clock.now() + 5000 });
      expect(claimed[0]!.steps).toEqual([]);

      const second = await store.queue.claim({
        owner: 'w2',
        now: clock.now(),
        leaseTtlMs: 5000,
        limit: 10,
        workflows: [WF],
      });
      expect(second).toEqual([]);
    });

    it('respects the claim limit and takes the oldest ready runs first', async () => {
      const runs = [newRun(clock.now()), newRun(clock.now()), newRun(clock.now())];
      for (const run of runs) await store.runs.create(run);
      const claimed = await store.queue.claim({
        owner: 'w1',
        now: clock.now(),
        leaseTtlMs: 5000,
        limit: 2,
        workflows: [WF],
      });
      expect(claimed.map((c) => c.run.id)).toEqual([runs[0]!.id, runs[1]!.id]);
    });

    it('reclaims a run whose lease expired, with a higher epoch and its steps', async () => {
      await store.runs.create(newRun(clock.now()));
      const { lease } = await claimOne('w1', 1000);
      await store.checkpoints.commit(lease, [step(1)]);

      await clock.advance(999);
      expect(
        await store.queue.claim({ owner: 'w2', now: clock.now(), leaseTtlMs: 1000, limit: 1, workflows: [WF] }),
      ).toEqual([]);
      await clock.advance(1);
      const [reclaimed] = await store.queue.claim({
        owner: 'w2',
        now: clock.now(),
        leaseTtlMs: 1000,
        limit: 1,
        workflows: [WF],
      });
      expect(reclaimed!.lease).toEqual({ runId: lease.runId, owner: 'w2', epoch: 2 });
      expect(reclaimed!.run.attempt).toBe(2);
      expect(reclaimed!.steps.map((s) => s.seq)).toEqual([1]);
    });

    it('commits checkpoints under the current lease and reads them back intact', async () => {
      await store.runs.create(newRun(clock.now()));
      const { lease, runId: id } = await claimOne();
      await store.checkpoints.commit(lease, [step(1, { status: 'running', output: null, endedAt: null })]);
      await store.checkpoints.commit(lease, [
        step(1),
        step(2, { status: 'failed', output: null, error: { name: 'Error', message: 'boom', code: 'x' } }),
        step(3, { kind: 'sleep', name: 'nap', status: 'sleeping', output: null, wakeAt: 99, endedAt: null }),
      ]);
      const steps = await store.checkpoints.list(id);
      expect(steps).toEqual([
        { ...step(1), intact: true },
        {
          ...step(2, { status: 'failed', output: null, error: { name: 'Error', message: 'boom', code: 'x' } }),
          intact: true,
        },
        {
          ...step(3, { kind: 'sleep', name: 'nap', status: 'sleeping', output: null, wakeAt: 99, endedAt: null }),
          intact: true,
        },
      ]);
    });

    it('refuses every write from a worker whose lease was taken over, and writes nothing', async () => {
      await store.runs.create(newRun(clock.now()));
      const { lease: stale, runId: id } = await claimOne('w1', 1000);
      await clock.advance(1000);
      const { lease: current } = await claimOne('w2', 1000);

      const lost = (e: unknown): boolean => LeaseLostError.is(e);
      await expect(store.checkpoints.commit(stale, [step(1)])).rejects.toSatisfy(lost);
      await expect(
        store.queue.finish(stale, { status: 'completed', output: '1' }, [step(1)], clock.now()),
      ).rejects.toSatisfy(lost);
      await expect(
        store.timers.suspend(stale, { status: 'sleeping', wakeAt: clock.now() + 5 }, [step(1)], clock.now()),
      ).rejects.toSatisfy(lost);
      expect(await store.checkpoints.list(id)).toEqual([]);
      expect((await store.runs.get(id))!.lease).toMatchObject({ owner: 'w2', epoch: current.epoch });
      expect((await store.runs.get(id))!.status).toBe('running');
    });

    it('extends the lease when a commit asks to renew it, and on heartbeat', async () => {
      await store.runs.create(newRun(clock.now()));
      const { lease, runId: id } = await claimOne('w1', 1000);
      await store.checkpoints.commit(lease, [step(1)], clock.now() + 5000);
      expect((await store.runs.get(id))!.lease!.expiresAt).toBe(clock.now() + 5000);

      await clock.advance(4000);
      expect(await store.queue.renew([lease], clock.now(), 3000)).toEqual([]);
      expect((await store.runs.get(id))!.lease!.expiresAt).toBe(clock.now() + 3000);
    });

    it('reports leases it could not renew', async () => {
      await store.runs.create(newRun(clock.now()));
      await store.runs.create(newRun(clock.now()));
      const { lease: kept } = await claimOne('w1', 1000);
      const { lease: lostLease } = await claimOne('w1', 1000);
      await store.runs.cancel(lostLease.runId, clock.now());
      expect(await store.queue.renew([kept, lostLease], clock.now(), 1000)).toEqual([lostLease]);
    });

    it('finishes a run with its output or error and releases it', async () => {
      await store.runs.create(newRun(clock.now()));
      await store.runs.create(newRun(clock.now()));
      const done = await claimOne();
      const failed = await claimOne();
      await clock.advance(50);
      await store.queue.finish(done.lease, { status: 'completed', output: '{"ok":true}' }, [step(1)], clock.now());
      const error = { name: 'Error', message: 'no', code: 'nope' };
      await store.queue.finish(failed.lease, { status: 'failed', error }, [], clock.now());

      expect(await store.runs.get(done.runId)).toMatchObject({
        status: 'completed',
        output: '{"ok":true}',
        lease: null,
        readyAt: null,
        finishedAt: clock.now(),
      });
      expect(await store.checkpoints.list(done.runId)).toHaveLength(1);
      expect(await store.runs.get(failed.runId)).toMatchObject({ status: 'failed', error, lease: null });
      expect(
        await store.queue.claim({ owner: 'w9', now: clock.now() + 1e6, leaseTtlMs: 1, limit: 9, workflows: [WF] }),
      ).toEqual([]);
    });

    it('suspends a run until its wake-up time, then lets it be claimed', async () => {
      await store.runs.create(newRun(clock.now()));
      const { lease, runId: id } = await claimOne();
      const nap = step(1, {
        kind: 'sleep',
        name: 'nap',
        status: 'sleeping',
        output: null,
        wakeAt: clock.now() + 60_000,
      });
      await store.timers.suspend(lease, { status: 'sleeping', wakeAt: clock.now() + 60_000 }, [nap], clock.now());

      expect(await store.runs.get(id)).toMatchObject({
        status: 'sleeping',
        lease: null,
        readyAt: clock.now() + 60_000,
      });
      expect(await store.timers.nextWakeAt([WF])).toBe(clock.now() + 60_000);
      await clock.advance(59_999);
      expect(
        await store.queue.claim({ owner: 'w1', now: clock.now(), leaseTtlMs: 1000, limit: 1, workflows: [WF] }),
      ).toEqual([]);
      await clock.advance(1);
      const [woken] = await store.queue.claim({
        owner: 'w2',
        now: clock.now(),
        leaseTtlMs: 1000,
        limit: 1,
        workflows: [WF],
      });
      expect(woken!.run.status).toBe('running');
      expect(woken!.lease.epoch).toBe(2);
      expect(woken!.steps).toEqual([{ ...nap, intact: true }]);
    });

    it('cancels an unfinished run, fencing out its worker, and leaves finished runs alone', async () => {
      await store.runs.create(newRun(clock.now()));
      const { lease, runId: id } = await claimOne();
      await store.checkpoints.commit(lease, [step(1, { status: 'running', output: null, endedAt: null })]);

      const cancelled = await store.runs.cancel(id, clock.now());
      expect(cancelled).toMatchObject({ status: 'cancelled', lease: null, readyAt: null, finishedAt: clock.now() });
      expect((await store.checkpoints.list(id))[0]!.status).toBe('cancelled');
      await expect(store.checkpoints.commit(lease, [step(1)])).rejects.toSatisfy((e) => LeaseLostError.is(e));

      expect((await store.runs.cancel(id, clock.now() + 5))!.finishedAt).toBe(clock.now());
      expect(await store.runs.cancel(runId(), clock.now())).toBeNull();
    });

    it('knows the next wake-up among its workflows', async () => {
      expect(await store.timers.nextWakeAt([WF])).toBeNull();
      await store.runs.create(newRun(clock.now(), { workflow: OTHER.name }));
      expect(await store.timers.nextWakeAt([WF])).toBeNull();
      await store.runs.create(newRun(clock.now()));
      await claimOne('w1', 7000);
      expect(await store.timers.nextWakeAt([WF])).toBe(clock.now() + 7000);
      expect(await store.timers.nextWakeAt([WF, OTHER])).toBe(clock.now());
    });

    it('marks a corrupted checkpoint as not intact', async () => {
      await store.runs.create(newRun(clock.now()));
      const { lease, runId: id } = await claimOne();
      await store.checkpoints.commit(lease, [step(1), step(2)]);
      await fx.corruptStep(id, 2);
      const steps = await store.checkpoints.list(id);
      expect(steps.map((s) => s.intact)).toEqual([true, false]);
    });

    it('stores payloads byte for byte, NUL characters and all', async () => {
      const input = JSON.stringify({ note: 'a\u0000b', emoji: '🩺', quote: 'it\'s "fine"' });
      const run = newRun(clock.now(), { input });
      await store.runs.create(run);
      expect((await store.runs.get(run.id))!.input).toBe(input);
      const { lease } = await claimOne();
      const output = JSON.stringify(['\u0000', 'ünï']);
      await store.checkpoints.commit(lease, [step(1, { output })]);
      expect((await store.checkpoints.list(run.id))[0]).toMatchObject({ output, intact: true });
    });

    it('tells listeners when work is available', async () => {
      let calls = 0;
      const off = store.onWorkAvailable(() => calls++);
      await store.runs.create(newRun(clock.now()));
      expect(calls).toBeGreaterThanOrEqual(1);
      off();
      const before = calls;
      await store.runs.create(newRun(clock.now()));
      expect(calls).toBe(before);
    });

    it('keeps every commit of many concurrent runs', async () => {
      const runs = Array.from({ length: 40 }, () => newRun(clock.now()));
      await Promise.all(runs.map((run) => store.runs.create(run)));
      const claimed = await store.queue.claim({
        owner: 'w1',
        now: clock.now(),
        leaseTtlMs: 10_000,
        limit: 40,
        workflows: [WF],
      });
      expect(claimed).toHaveLength(40);
      await Promise.all(claimed.map((c) => store.checkpoints.commit(c.lease, [step(1), step(2)])));
      await Promise.all(
        claimed.map((c) =>
          store.queue.finish(c.lease, { status: 'completed', output: '"done"' }, [step(3)], clock.now()),
        ),
      );
      for (const c of claimed) {
        expect((await store.checkpoints.list(c.run.id)).map((s) => s.seq)).toEqual([1, 2, 3]);
        expect((await store.runs.get(c.run.id))!.status).toBe('completed');
      }
    });
  });
}
