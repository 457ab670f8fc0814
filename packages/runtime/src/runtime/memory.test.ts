import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, gate, type Dialect } from '../../test/helpers/harness.js';
import { defineWorkflow } from '../core/workflow.js';
import { FakeClock } from '../testing/fake-clock.js';
import { ArmedFailpoints } from './failpoints.js';

const Input = z.object({ n: z.number() });

describe.each(DIALECTS)('ctx.memory on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('keeps run memory across a suspension, rebuilt from the run’s steps on replay', async () => {
    const seen: unknown[] = [];
    const wf = defineWorkflow({ name: 'mem.run', input: Input }, async (ctx, input) => {
      const first = await ctx.memory.set('cursor', { page: input.n });
      seen.push(await ctx.memory.get('cursor'));
      await ctx.sleep('nap', '1m');
      const second = await ctx.memory.set('cursor', { page: input.n + 1 });
      const removed = await ctx.memory.delete('scratch');
      return {
        versions: [first.version, second.version, removed.version],
        cursor: await ctx.memory.get('cursor'),
        scratch: await ctx.memory.get('scratch'),
      };
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    const { id } = await vigil.start(wf, { n: 1 });
    await h.until(async () => (await vigil.getRun(id))?.status === 'sleeping');
    await h.clock.advance(60_000);
    expect(await h.result(vigil, id)).toEqual({ versions: [1, 2, 1], cursor: { page: 2 }, scratch: undefined });
    // The replay after the sleep read the cursor from the journal: the value before the sleep was seen once more.
    expect(seen).toEqual([{ page: 1 }, { page: 1 }]);
    const run = await vigil.getRun(id);
    expect(run!.steps.map((s) => s.name)).toEqual([
      '$memory:set:cursor',
      'nap',
      '$memory:set:cursor',
      '$memory:delete:scratch',
    ]);
  });

  it('shares agent memory between runs in order, with versions', async () => {
    const wf = defineWorkflow({ name: 'mem.hourly', agent: 'reconciler', input: Input }, async (ctx, input) => {
      const agent = ctx.memory.agent();
      const before = (await agent.get<number[]>('seen')) ?? [];
      const { version } = await agent.set('seen', [...before, input.n]);
      return { before, version };
    });
    const other = defineWorkflow({ name: 'mem.reader', input: Input }, async (ctx) => ({
      seen: await ctx.memory.agent('reconciler').get('seen'),
      own: await ctx.memory.agent().get('seen'),
    }));
    const vigil = h.vigil([wf, other], { worker: { pollMs: 100 } });
    const a = await vigil.start(wf, { n: 1 });
    expect(await h.result(vigil, a.id)).toEqual({ before: [], version: 1 });
    const b = await vigil.start(wf, { n: 2 });
    expect(await h.result(vigil, b.id)).toEqual({ before: [1], version: 2 });
    const c = await vigil.start(other, { n: 0 });
    expect(await h.result(vigil, c.id)).toEqual({ seen: [1, 2], own: undefined });
    const store = h.store();
    expect(await store.memory.get('reconciler', 'seen')).toMatchObject({ value: '[1,2]', version: 2 });
    expect(await store.memory.list('reconciler')).toHaveLength(1);
  });

  it('does not apply an agent write twice when the worker dies after it: replay returns its version', async () => {
    const bodies: Array<[string, number]> = [];
    const wf = defineWorkflow({ name: 'mem.crashy', agent: 'counter', input: Input }, async (ctx) => {
      const agent = ctx.memory.agent();
      const count = (await agent.get<number>('count')) ?? 0;
      const written = await agent.set('count', count + 1);
      await ctx.memory.set('local', count + 1);
      await ctx.step('after', ({ attempt }) => (bodies.push(['after', attempt]), 'ok'));
      return { count, written: written.version, local: await ctx.memory.get('local') };
    });
    // Worker A hangs after the write, inside the next step, with its clock frozen: as far as
    // anyone can tell, it died there.
    const hold = gate();
    const frozen = new FakeClock(h.clock.now());
    const failpoints = new ArmedFailpoints().arm('step.after-body', () => hold.promise);
    const a = h.vigil([wf], { clock: frozen, failpoints, worker: { leaseTtlMs: 1000, pollMs: 100 } });
    const { id } = await a.start(wf, { n: 0 });
    await h.until(() => bodies.length === 1);
    const store = h.store();
    expect(await store.memory.get('counter', 'count')).toMatchObject({ value: '1', version: 1 });

    const b = h.vigil([wf], { worker: { leaseTtlMs: 1000, pollMs: 100 } });
    expect(await h.result(b, id)).toEqual({ count: 0, written: 1, local: 1 });
    expect(bodies).toEqual([
      ['after', 1],
      ['after', 2],
    ]);
    // Written once: the replay took the recorded read (0) and the recorded write (version 1).
    expect(await store.memory.get('counter', 'count')).toMatchObject({ value: '1', version: 1 });
    hold.open();
  });

  it('refuses bad keys and values with typed errors, writing nothing', async () => {
    const errors: unknown[] = [];
    const wf = defineWorkflow({ name: 'mem.bad', input: Input }, async (ctx) => {
      const attempts: Array<() => unknown> = [
        () => ctx.memory.set('', 1),
        () => ctx.memory.get('k'.repeat(201)),
        () => ctx.memory.agent().set('k', { when: new Date(0) }),
        () => ctx.memory.set('big', 'x'.repeat(2 * 1024 * 1024)),
        () => ctx.memory.agent(''),
      ];
      for (const attempt of attempts) {
        try {
          await attempt();
        } catch (error) {
          errors.push((error as { code?: string }).code);
        }
      }
      return 'ok';
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    const { id } = await vigil.start(wf, { n: 0 });
    expect(await h.result(vigil, id)).toBe('ok');
    expect(errors).toEqual([
      'invalid_argument',
      'invalid_argument',
      'not_serializable',
      'payload_too_large',
      'invalid_argument',
    ]);
    expect((await vigil.getRun(id))!.steps).toEqual([]);
  });
});
