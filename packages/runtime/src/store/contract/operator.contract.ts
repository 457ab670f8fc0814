/**
 * Contract cases for the operator surface: run list filters, replay's step copy, the overview's
 * window counts and the change feed the deployment stream polls.
 */
import { expect, it } from 'vitest';

import type { Lease } from '../lease.js';
import type { NewRun } from '../run-store.js';
import type { Store } from '../store.js';
import { escalation, newRun, recorded, step, type ContractContext } from './context.js';

const HOUR = 3_600_000;

/** Creates a run leased to `owner` (so it can be finished without a claim). */
async function leased(store: Store, now: number, overrides: Partial<NewRun> = {}): Promise<Lease> {
  const created = await store.runs.create(newRun(now, { ...overrides, leaseTo: { owner: 'w1', leaseTtlMs: 60_000 } }));
  return created.leased!.lease;
}

export function operatorContract(ctx: () => ContractContext): void {
  it('filters runs by several statuses, creation time and a search of ids and input, with the cursor', async () => {
    const { store, clock } = ctx();
    const t0 = clock.now();
    const ada = newRun(t0, { input: '{"patient":"Ada Lovelace","ward":3}' });
    await store.runs.create(ada);
    await clock.advance(HOUR);
    const grace = newRun(clock.now(), { input: '{"patient":"Grace Hopper"}' });
    await store.runs.create(grace);
    await store.runs.cancel(grace.id, clock.now());
    await clock.advance(HOUR);
    const alan = newRun(clock.now(), { input: '{"patient":"Alan Turing","note":"ada"}' });
    await store.runs.create(alan);
    const ids = async (filter: Parameters<Store['runs']['list']>[0]) =>
      (await store.runs.list(filter)).map((r) => r.id);

    expect(await ids({ limit: 10, statuses: ['queued', 'cancelled'] })).toEqual([alan.id, grace.id, ada.id]);
    expect(await ids({ limit: 10, statuses: ['cancelled'] })).toEqual([grace.id]);
    expect(await ids({ limit: 10, statuses: [] })).toHaveLength(3);
    expect(await ids({ limit: 10, createdFrom: t0 + HOUR })).toEqual([alan.id, grace.id]);
    expect(await ids({ limit: 10, createdFrom: t0, createdTo: t0 + HOUR })).toEqual([ada.id]);
    // Text of the input, whatever its case; an id or its start.
    expect(await ids({ limit: 10, search: 'ADA' })).toEqual([alan.id, ada.id]);
    expect(await ids({ limit: 10, search: 'hopper' })).toEqual([grace.id]);
    expect(await ids({ limit: 10, search: ada.id })).toEqual([ada.id]);
    expect(await ids({ limit: 10, search: alan.id.slice(0, alan.id.length - 1) })).toContain(alan.id);
    expect(await ids({ limit: 10, search: 'nobody' })).toEqual([]);
    expect(await ids({ limit: 10, search: '%' })).toEqual([]);
    expect(await ids({ limit: 10, search: 'ada', before: alan.id })).toEqual([ada.id]);
    expect(await ids({ limit: 10, search: 'ada', statuses: ['queued'], createdFrom: t0 + 1 })).toEqual([alan.id]);
  });

  it('creates a run with the steps of another before a sequence number, checkpoints intact, ready to claim', async () => {
    const { store, clock } = ctx();
    const lease = await leased(store, clock.now());
    await store.queue.finish(
      lease,
      { status: 'completed', output: '"done"' },
      [step(1), step(2), step(3)],
      clock.now(),
    );
    const replay = newRun(clock.now(), { replayOf: lease.runId, copySteps: { runId: lease.runId, beforeSeq: 3 } });
    expect(await store.runs.create(replay)).toEqual({ id: replay.id, status: 'queued', created: true });
    expect(await store.checkpoints.list(replay.id)).toEqual([recorded(step(1)), recorded(step(2))]);
    expect((await store.runs.get(replay.id))!.replayOf).toBe(lease.runId);
    expect(await store.checkpoints.list(lease.runId)).toHaveLength(3);
    const [claimed] = await store.queue.claim({
      owner: 'w2',
      now: clock.now(),
      leaseTtlMs: 1000,
      limit: 5,
      workflows: [{ name: replay.workflow, version: replay.version }],
    });
    expect(claimed!.run.id).toBe(replay.id);
    expect(claimed!.steps.map((s) => s.seq)).toEqual([1, 2]);
  });

  it('counts a window by status, bucket, outcome, escalation and duration, and the live leases', async () => {
    const { store, clock } = ctx();
    const from = clock.now();
    // Bucket 0: one run completes after 10 minutes, one fails after 30.
    const quick = await leased(store, clock.now());
    const slow = await leased(store, clock.now());
    await clock.advance(10 * 60_000);
    await store.queue.finish(quick, { status: 'completed', output: '1' }, [], clock.now());
    await clock.advance(20 * 60_000);
    await store.queue.finish(slow, { status: 'failed', error: { name: 'Error', message: 'no' } }, [], clock.now());
    // Bucket 1: a run raises an escalation and stays leased; another is queued.
    await clock.advance(HOUR);
    const waiting = await leased(store, clock.now());
    await store.checkpoints.commit(waiting, [
      { ...step(1, { status: 'waiting', output: null }), escalation: escalation(waiting.runId, 1, clock.now()) },
    ]);
    await store.runs.create(newRun(clock.now()));
    // Before the window: not counted, but its open escalation is (open counts are now, not windowed).
    const stats = await store.overview.runWindow({ from, to: from + 3 * HOUR, bucketMs: HOUR, now: clock.now() });
    expect(stats).toMatchObject({
      byStatus: { completed: 1, failed: 1, running: 1, queued: 1 },
      buckets: [
        { index: 0, started: 2, completed: 1, failed: 1, escalated: 0 },
        { index: 1, started: 2, completed: 0, failed: 0, escalated: 1 },
      ],
      finished: 2,
      succeeded: 1,
      started: 4,
      escalatedRuns: 1,
      durationMs: { p50: 10 * 60_000, p95: 10 * 60_000 },
      openEscalations: 1,
      deadLetters: 0,
    });
    expect(stats.workers).toEqual([{ id: 'w1', runs: 1, leaseExpiresAt: clock.now() + 60_000 }]);
    const later = await store.overview.runWindow({
      from: from + 3 * HOUR,
      to: from + 4 * HOUR,
      bucketMs: HOUR,
      now: 0,
    });
    expect(later).toMatchObject({
      byStatus: {},
      buckets: [],
      finished: 0,
      started: 0,
      durationMs: { p50: null, p95: null },
    });
  });

  it('feeds runs and escalations changed since a time, oldest first', async () => {
    const { store, clock } = ctx();
    const first = newRun(clock.now());
    await store.runs.create(first);
    await clock.advance(1000);
    const since = clock.now();
    const lease = await leased(store, clock.now());
    const raised = escalation(lease.runId, 1, clock.now());
    await store.checkpoints.commit(lease, [{ ...step(1, { status: 'waiting', output: null }), escalation: raised }]);
    await clock.advance(1000);
    await store.runs.cancel(first.id, clock.now());

    const changes = await store.overview.changesSince(since, 100);
    expect(changes.runs.map((r) => [r.id, r.status, r.updatedAt])).toEqual([
      [lease.runId, 'running', since],
      [first.id, 'cancelled', since + 1000],
    ]);
    expect(changes.runs[0]!.workflow).toBe(first.workflow);
    expect(changes.escalations).toEqual([{ id: raised.id, runId: lease.runId, status: 'open', changedAt: since }]);
    await clock.advance(1000);
    await store.escalations.resolve(raised.id, {
      decision: 'skip',
      value: null,
      resolvedBy: 'a',
      note: null,
      now: clock.now(),
    });
    const resolved = await store.overview.changesSince(clock.now(), 100);
    expect(resolved.escalations).toEqual([
      { id: raised.id, runId: lease.runId, status: 'resolved', changedAt: clock.now() },
    ]);
    expect((await store.overview.changesSince(since, 1)).runs).toHaveLength(1);
  });
}
