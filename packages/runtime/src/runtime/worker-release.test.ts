import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, gate, type Dialect } from '../../test/helpers/harness.js';
import { createVigil } from '../compose.js';
import { defineWorkflow } from '../core/workflow.js';

setFlagsFromString('--expose-gc');
/** A full garbage collection (the flag above makes `gc` visible to contexts created after it). */
const gc = runInNewContext('gc') as () => void;

const Input = z.object({ n: z.number() });

/** Whether every referent is gone after full collections, with turns of the event loop between them. */
async function collected(refs: Array<WeakRef<object>>): Promise<boolean> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    if (refs.every((ref) => ref.deref() === undefined)) return true;
  }
  return false;
}

describe.each(DIALECTS)('a worker on %s lets finished runs go', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('once their leases were renewed by a heartbeat', async () => {
    const release = gate();
    // A step's abort signal is its run's (steps without a timeout): the run's execution holds it.
    const signals: Array<WeakRef<object>> = [];
    const wf = defineWorkflow({ name: 'held', input: Input }, async (ctx) => {
      await ctx.step('hold', ({ signal }) => {
        signals.push(new WeakRef(signal));
        return release.promise;
      });
      return 'ok';
    });
    const vigil = h.vigil([wf], { worker: { leaseTtlMs: 1000, heartbeatMs: 100 } });
    const ids = await Promise.all([1, 2].map((n) => vigil.start(wf, { n }).then((r) => r.id)));
    await h.until(() => signals.length === 2);
    const leaseOf = async (id: string): Promise<number> =>
      Number(
        ((await h.sql('SELECT lease_expires_at AS e FROM runs WHERE id = $1', [id])) as Array<{ e: number }>)[0]!.e,
      );
    const first = await leaseOf(ids[0]!);
    // A heartbeat renews the runs while they execute: it has listed them.
    await h.clock.advance(150);
    await h.until(async () => (await leaseOf(ids[0]!)) > first, { stepMs: 1 });
    // The clock stands still from here: the heartbeat loop waits for its next tick while the runs end.
    release.open();
    for (const id of ids) expect(await vigil.result(id)).toBe('ok');
    expect(await collected(signals)).toBe(true);
  });

  it('once the claim loop has launched them', async () => {
    const store = h.store();
    const claimedRuns: Array<WeakRef<object>> = [];
    const claim = store.queue.claim.bind(store.queue);
    store.queue.claim = async (options) => {
      const claimed = await claim(options);
      for (const run of claimed) claimedRuns.push(new WeakRef(run));
      return claimed;
    };
    const release = gate();
    const wf = defineWorkflow({ name: 'queued', input: Input }, async (ctx) => {
      await ctx.step('hold', () => release.promise);
      return 'ok';
    });
    // One at a time: the second run waits in the queue and is claimed when the first ends.
    const vigil = createVigil({
      database: store,
      workflows: [wf],
      scheduler: { tickMs: 60_000 },
      worker: { concurrency: 1 },
    });
    try {
      const ids = await Promise.all([1, 2].map((n) => vigil.start(wf, { n }).then((r) => r.id)));
      release.open();
      for (const id of ids) expect(await h.result(vigil, id)).toBe('ok');
      expect(claimedRuns.length).toBeGreaterThan(0);
      expect(await collected(claimedRuns)).toBe(true);
    } finally {
      await vigil.close({ graceMs: 0 });
    }
  });
});
