/** Contract cases for claims, leases, fencing, finishing and timers. */
import { expect, it } from 'vitest';

import { LeaseLostError } from '../../core/errors.js';
import { OTHER, WF, claimOne, escalation, newRun, nextId, recorded, step, type ContractContext } from './context.js';

export function queueContract(ctx: () => ContractContext): void {
  it('claims ready runs of the given workflows under a lease, once', async () => {
    const { store, clock } = ctx();
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
    const { store, clock } = ctx();
    const runs = [newRun(clock.now()), newRun(clock.now()), newRun(clock.now())];
    for (const run of runs) await store.runs.create(run);
    const claimed = await store.queue.claim({
      owner: 'w1',
      now: clock.now(),
      leaseTtlMs: 5000,
      limit: 2,
      workflows: [WF],
    });
    expect(claimed.map((c) => c.run.id).sort()).toEqual([runs[0]!.id, runs[1]!.id]);
  });

  it('reclaims a run whose lease expired, with a higher epoch and its steps', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease } = await claimOne(cx, 'w1', 1000);
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

  it('refuses every write from a worker whose lease was taken over, and writes nothing', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease: stale, runId: id } = await claimOne(cx, 'w1', 1000);
    await clock.advance(1000);
    const { lease: current } = await claimOne(cx, 'w2', 1000);

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

  it('refuses a stale commit of many rows over rows already written, and changes none of them', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease: stale, runId: id } = await claimOne(cx, 'w1', 1000);
    await store.checkpoints.commit(stale, [step(1, { status: 'running', output: null, endedAt: null })]);
    await clock.advance(1000);
    const { lease: current } = await claimOne(cx, 'w2', 1000);
    await store.checkpoints.commit(current, [step(1), step(2, { status: 'running', output: null, endedAt: null })]);
    const written = await store.checkpoints.list(id);

    // Seven rows go out in statements of four, two and one; the first one refuses.
    const late = [1, 2, 3, 4, 5, 6, 7].map((seq) => step(seq, { output: '"late"' }));
    await expect(store.checkpoints.commit(stale, late)).rejects.toSatisfy((e) => LeaseLostError.is(e));
    expect(await store.checkpoints.list(id)).toEqual(written);
    await store.checkpoints.commit(current, late);
    expect((await store.checkpoints.list(id)).map((s) => [s.seq, s.output])).toEqual(
      late.map((s) => [s.seq, '"late"']),
    );
  });

  it('extends the lease when a commit asks to renew it, and on heartbeat', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx, 'w1', 1000);
    await store.checkpoints.commit(lease, [step(1)], clock.now() + 5000);
    expect((await store.runs.get(id))!.lease!.expiresAt).toBe(clock.now() + 5000);

    await clock.advance(4000);
    expect(await store.queue.renew([lease], clock.now(), 3000)).toEqual([]);
    expect((await store.runs.get(id))!.lease!.expiresAt).toBe(clock.now() + 3000);
  });

  it('reports leases it could not renew', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    await store.runs.create(newRun(clock.now()));
    const { lease: kept } = await claimOne(cx, 'w1', 1000);
    const { lease: lostLease } = await claimOne(cx, 'w1', 1000);
    await store.runs.cancel(lostLease.runId, clock.now());
    expect(await store.queue.renew([kept, lostLease], clock.now(), 1000)).toEqual([lostLease]);
  });

  it('finishes a run with its output or error and releases it', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    await store.runs.create(newRun(clock.now()));
    const done = await claimOne(cx);
    const failed = await claimOne(cx);
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
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
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
    expect(woken!.steps).toEqual([recorded(nap)]);
  });

  it('knows the next wake-up among its workflows', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    expect(await store.timers.nextWakeAt([WF])).toBeNull();
    await store.runs.create(newRun(clock.now(), { workflow: OTHER.name }));
    expect(await store.timers.nextWakeAt([WF])).toBeNull();
    await store.runs.create(newRun(clock.now()));
    await claimOne(cx, 'w1', 7000);
    expect(await store.timers.nextWakeAt([WF])).toBe(clock.now() + 7000);
    expect(await store.timers.nextWakeAt([WF, OTHER])).toBe(clock.now());
  });

  it('finishes a partially completed run with its output and what is missing', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
    const summary = 'Discharge 80% complete, awaiting pharmacy confirmation';
    await store.queue.finish(lease, { status: 'completed_partial', output: '{"done":4}', summary }, [], clock.now());
    expect(await store.runs.get(id)).toMatchObject({
      status: 'completed_partial',
      output: '{"done":4}',
      summary,
      error: null,
      lease: null,
      readyAt: null,
      finishedAt: clock.now(),
    });
  });

  it('dead-letters a run with its dead letter, in the same transaction as its last steps', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
    const error = { name: 'Error', message: 'insurance API down', code: 'upstream' };
    const letter = {
      id: nextId(),
      reason: 'step "insurance" failed after 5 attempts',
      failedSeq: 2,
      failedStep: 'insurance',
      context: '{"steps":[1]}',
    };
    const failedStep = step(2, { name: 'insurance', status: 'failed', output: null, error });
    await clock.advance(5);
    await store.queue.finish(lease, { status: 'dead_lettered', error, deadLetter: letter }, [failedStep], clock.now());

    expect(await store.runs.get(id)).toMatchObject({ status: 'dead_lettered', error, lease: null, readyAt: null });
    expect(await store.checkpoints.list(id)).toEqual([recorded(failedStep)]);
    expect(await store.deadLetters.get(letter.id)).toEqual({
      ...letter,
      runId: id,
      workflow: WF.name,
      version: WF.version,
      error,
      createdAt: clock.now(),
      replayedAt: null,
      replayRunId: null,
      replayedBy: null,
    });

    // A stale finish writes no dead letter.
    await store.runs.create(newRun(clock.now()));
    const other = await claimOne(cx);
    const stale = { ...other.lease, epoch: other.lease.epoch + 1 };
    const refused = store.queue.finish(
      stale,
      { status: 'dead_lettered', error, deadLetter: { ...letter, id: nextId() } },
      [],
      clock.now(),
    );
    await expect(refused).rejects.toSatisfy((e) => LeaseLostError.is(e));
    expect((await store.deadLetters.list({ limit: 10 })).map((d) => d.id)).toEqual([letter.id]);
  });

  it('parks a run waiting on a blocking escalation until the escalation is resolved', async () => {
    const { store, clock } = ctx();
    const created = await store.runs.create(newRun(clock.now(), { leaseTo: { owner: 'w1', leaseTtlMs: 10_000 } }));
    const { lease } = created.leased!;
    const raised = escalation(lease.runId, 1, clock.now());
    const waiting = step(1, { kind: 'escalation', status: 'waiting', output: null, endedAt: null });
    await store.timers.suspend(
      lease,
      { status: 'waiting', wakeAt: null },
      [{ ...waiting, escalation: raised }],
      clock.now(),
    );
    expect(await store.runs.get(lease.runId)).toMatchObject({ status: 'waiting', lease: null, readyAt: null });
    expect(await store.timers.nextWakeAt([WF])).toBeNull();
    await clock.advance(86_400_000);
    const claim = () =>
      store.queue.claim({ owner: 'w2', now: clock.now(), leaseTtlMs: 1000, limit: 5, workflows: [WF] });
    expect(await claim()).toEqual([]);

    let woken!: () => void;
    const notified = new Promise<void>((resolve) => (woken = resolve));
    store.onWorkAvailable(() => woken());
    await store.escalations.resolve(raised.id, {
      decision: 'provide',
      value: '{"dose":"5mg"}',
      resolvedBy: 'user:dr-house',
      note: null,
      now: clock.now(),
    });
    expect(await store.runs.get(lease.runId)).toMatchObject({ status: 'queued', readyAt: clock.now() });
    await notified;
    const [resumed] = await claim();
    expect(resumed!.run.id).toBe(lease.runId);
    expect(resumed!.steps).toEqual([recorded(waiting)]);
  });
}
