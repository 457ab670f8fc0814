/** Contract cases for checkpoints: round trips, integrity, concurrent commits. */
import { expect, it } from 'vitest';

import { WF, claimOne, newRun, step, type ContractContext } from './context.js';

export function checkpointsContract(ctx: () => ContractContext): void {
  it('commits checkpoints under the current lease and reads them back intact', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
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

  it('marks a corrupted checkpoint as not intact', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
    await store.checkpoints.commit(lease, [step(1), step(2)]);
    await cx.fx.corruptStep(id, 2);
    const steps = await store.checkpoints.list(id);
    expect(steps.map((s) => s.intact)).toEqual([true, false]);
  });

  it('keeps every commit of many concurrent runs', async () => {
    const { store, clock } = ctx();
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
}
