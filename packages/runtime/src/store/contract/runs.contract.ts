/** Contract cases for the runs aggregate: create, idempotency, list, cancel, payloads, notifications. */
import { expect, it } from 'vitest';

import { ConflictError, LeaseLostError } from '../../core/errors.js';
import { OTHER, RETENTION_MS, WF, claimOne, newRun, runId, step, type ContractContext } from './context.js';

export function runsContract(ctx: () => ContractContext): void {
  it("commits a run's run.created entry with the run, and none for a create that finds its key taken or conflicts with it", async () => {
    const { store, clock } = ctx();
    const created = (run: { id: string; principal: string | null }) => ({
      type: 'run.created',
      at: clock.now(),
      runId: run.id,
      principal: run.principal,
      data: { workflow: WF.name },
    });
    const first = newRun(clock.now(), { idempotencyKey: 'k-audit', principal: 'key:k1' });
    expect(await store.runs.create({ ...first, audit: created(first) })).toMatchObject({ created: true });
    const leased = newRun(clock.now(), { leaseTo: { owner: 'w1', leaseTtlMs: 1000 } });
    expect(await store.runs.create({ ...leased, audit: created(leased) })).toMatchObject({ created: true });
    const again = newRun(clock.now(), { idempotencyKey: 'k-audit' });
    expect(await store.runs.create({ ...again, audit: created(again) })).toMatchObject({
      id: first.id,
      created: false,
    });
    const conflicting = newRun(clock.now(), { idempotencyKey: 'k-audit', inputHash: 'hash-2' });
    await expect(store.runs.create({ ...conflicting, audit: created(conflicting) })).rejects.toThrow(ConflictError);

    // In the trail already, or staged for the next append (PostgreSQL), which chains it.
    const trail = async () =>
      (await store.audit.list({ type: 'run.created', limit: 10 })).map((e) => [e.runId, e.principal]);
    expect(store.audit.hasStaged || (await trail()).length === 2).toBe(true);
    await store.audit.append([], clock.now());
    expect(await trail()).toEqual([
      [first.id, 'key:k1'],
      [leased.id, null],
    ]);
  });

  it('applies migrations idempotently', async () => {
    const { store } = ctx();
    await store.migrate();
    await store.migrate();
    expect(store.dialect).toMatch(/sqlite|postgres/);
    expect(store.describe()).toContain(store.dialect);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('creates a queued run, ready at once, and reads it back', async () => {
    const { store, clock } = ctx();
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

  it('reads a run’s outcome: its status, then its output or its error', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    expect(await store.runs.outcome(runId())).toBeNull();
    await store.runs.create(newRun(clock.now()));
    await store.runs.create(newRun(clock.now()));
    const done = await claimOne(cx, 'w1', 1000);
    const failed = await claimOne(cx, 'w1', 1000);
    expect(await store.runs.outcome(done.runId)).toEqual({ status: 'running', output: null, error: null });
    await store.queue.finish(done.lease, { status: 'completed', output: '{"ok":true}' }, [step(1)], clock.now());
    const error = { name: 'Error', message: 'no bed free', code: 'no_bed' };
    await store.queue.finish(failed.lease, { status: 'failed', error }, [], clock.now());
    expect(await store.runs.outcome(done.runId)).toEqual({ status: 'completed', output: '{"ok":true}', error: null });
    expect(await store.runs.outcome(failed.runId)).toEqual({ status: 'failed', output: null, error });
  });

  it('creates a run already leased to a worker, which no one else claims', async () => {
    const { store, clock } = ctx();
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
    const { store, clock } = ctx();
    const first = newRun(clock.now(), { idempotencyKey: 'order-77' });
    await store.runs.create(first);
    const again = await store.runs.create(newRun(clock.now(), { idempotencyKey: 'order-77' }));
    expect(again).toEqual({ id: first.id, status: 'queued', created: false });

    const otherInput = store.runs.create(newRun(clock.now(), { idempotencyKey: 'order-77', inputHash: 'hash-2' }));
    await expect(otherInput).rejects.toSatisfy((e) => ConflictError.is(e) && e.code === 'idempotency_conflict');
    const otherWorkflow = store.runs.create(newRun(clock.now(), { idempotencyKey: 'order-77', workflow: OTHER.name }));
    await expect(otherWorkflow).rejects.toSatisfy((e) => ConflictError.is(e));
    expect((await store.runs.list({ limit: 10 })).length).toBe(1);
  });

  it('holds an idempotency key for the retention window only, then gives it to a new run', async () => {
    const { store, clock } = ctx();
    const first = newRun(clock.now(), { idempotencyKey: 'order-88' });
    await store.runs.create(first);

    await clock.advance(RETENTION_MS);
    const within = await store.runs.create(newRun(clock.now(), { idempotencyKey: 'order-88' }));
    expect(within).toEqual({ id: first.id, status: 'queued', created: false });
    const otherInput = store.runs.create(newRun(clock.now(), { idempotencyKey: 'order-88', inputHash: 'hash-2' }));
    await expect(otherInput).rejects.toSatisfy((e) => ConflictError.is(e) && e.code === 'idempotency_conflict');

    // Past the window the key starts a new run, and other input is no conflict.
    await clock.advance(1);
    const later = newRun(clock.now(), { idempotencyKey: 'order-88', inputHash: 'hash-2' });
    expect(await store.runs.create(later)).toEqual({ id: later.id, status: 'queued', created: true });
    expect(await store.runs.get(first.id)).toMatchObject({ idempotencyKey: null, input: '{"n":1}', status: 'queued' });
    expect(await store.runs.get(later.id)).toMatchObject({ idempotencyKey: 'order-88' });
    const again = await store.runs.create(newRun(clock.now(), { idempotencyKey: 'order-88', inputHash: 'hash-2' }));
    expect(again).toEqual({ id: later.id, status: 'queued', created: false });

    // A leased create takes over an expired key the same way.
    await clock.advance(RETENTION_MS + 1);
    const leased = newRun(clock.now(), { idempotencyKey: 'order-88', leaseTo: { owner: 'local', leaseTtlMs: 1000 } });
    expect(await store.runs.create(leased)).toMatchObject({ id: leased.id, status: 'running', created: true });
    expect((await store.runs.list({ limit: 10 })).map((r) => [r.id, r.idempotencyKey])).toEqual([
      [leased.id, 'order-88'],
      [later.id, null],
      [first.id, null],
    ]);
  });

  it('makes one new run for 20 concurrent creates with one expired key', async () => {
    const { store, clock } = ctx();
    const old = newRun(clock.now(), { idempotencyKey: 'order-race' });
    await store.runs.create(old);
    await clock.advance(RETENTION_MS + 1);

    const creates = Array.from({ length: 20 }, () => newRun(clock.now(), { idempotencyKey: 'order-race' }));
    const results = await Promise.all(creates.map((run) => store.runs.create(run)));

    const created = results.filter((result) => result.created);
    expect(created).toHaveLength(1);
    const winner = created[0]!.id;
    expect(winner).not.toBe(old.id);
    expect(results.every((result) => result.id === winner)).toBe(true);
    const runs = await store.runs.list({ limit: 100 });
    expect(runs.map((r) => [r.id, r.idempotencyKey])).toEqual([
      [winner, 'order-race'],
      [old.id, null],
    ]);
  });

  it('lists newest first with status, workflow and cursor filters', async () => {
    const { store, clock } = ctx();
    const a = newRun(clock.now());
    const b = newRun(clock.now(), { workflow: OTHER.name });
    const c = newRun(clock.now());
    for (const run of [a, b, c]) await store.runs.create(run);
    await store.runs.cancel(b.id, clock.now());

    expect((await store.runs.list({ limit: 10 })).map((r) => r.id)).toEqual([c.id, b.id, a.id]);
    expect((await store.runs.list({ limit: 2 })).map((r) => r.id)).toEqual([c.id, b.id]);
    expect((await store.runs.list({ limit: 10, before: b.id })).map((r) => r.id)).toEqual([a.id]);
    expect((await store.runs.list({ limit: 10, statuses: ['cancelled'] })).map((r) => r.id)).toEqual([b.id]);
    expect((await store.runs.list({ limit: 10, workflow: WF.name })).map((r) => r.id)).toEqual([c.id, a.id]);
  });

  it('cancels an unfinished run, fencing out its worker, and leaves finished runs alone', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
    await store.checkpoints.commit(lease, [step(1, { status: 'running', output: null, endedAt: null })]);

    const cancelled = await store.runs.cancel(id, clock.now());
    expect(cancelled).toMatchObject({ status: 'cancelled', lease: null, readyAt: null, finishedAt: clock.now() });
    expect((await store.checkpoints.list(id))[0]!.status).toBe('cancelled');
    await expect(store.checkpoints.commit(lease, [step(1)])).rejects.toSatisfy((e) => LeaseLostError.is(e));

    expect((await store.runs.cancel(id, clock.now() + 5))!.finishedAt).toBe(clock.now());
    expect(await store.runs.cancel(runId(), clock.now())).toBeNull();
  });

  it('stores payloads byte for byte, NUL characters and all', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    const input = JSON.stringify({ note: 'a\u0000b', emoji: '🩺', quote: 'it\'s "fine"' });
    const run = newRun(clock.now(), { input });
    await store.runs.create(run);
    expect((await store.runs.get(run.id))!.input).toBe(input);
    const { lease } = await claimOne(cx);
    const output = JSON.stringify(['\u0000', 'ünï']);
    await store.checkpoints.commit(lease, [step(1, { output })]);
    expect((await store.checkpoints.list(run.id))[0]).toMatchObject({ output, intact: true });
  });

  it('tells listeners when work is available, until they unsubscribe', async () => {
    const { store, clock } = ctx();
    let calls = 0;
    let woken!: () => void;
    const notified = new Promise<void>((resolve) => (woken = resolve));
    const off = store.onWorkAvailable(() => {
      calls++;
      woken();
    });
    await store.runs.create(newRun(clock.now()));
    // Another process's notification arrives after the commit, not with it.
    await notified;
    off();
    const before = calls;
    await store.runs.create(newRun(clock.now()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toBe(before);
  });
}
