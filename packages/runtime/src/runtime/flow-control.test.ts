import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, gate, type Dialect } from '../../test/helpers/harness.js';
import { isVigilError } from '../core/errors.js';
import { defineWorkflow } from '../core/workflow.js';

const Visit = z.object({ patientId: z.string(), n: z.number().default(0) });

describe('starting runs under flow control', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.cleanup());

  it('refuses a start whose key or priority function fails, before writing anything', async () => {
    const keyed = (key: (input: { patientId: string }) => string) =>
      defineWorkflow(
        { name: `keyed-${Math.random().toString(36).slice(2)}`, input: Visit, concurrency: { limit: 1, key } },
        () => Promise.resolve(1),
      );
    const throwing = keyed(() => {
      throw new Error('no patient');
    });
    const notString = keyed(() => 42 as unknown as string);
    const empty = keyed(() => '');
    const long = keyed(() => 'x'.repeat(257));
    const rated = defineWorkflow(
      { name: 'rated', input: Visit, rateLimit: { limit: 1, period: '1s', key: () => null as unknown as string } },
      () => Promise.resolve(1),
    );
    const badPriority = defineWorkflow({ name: 'urgent', input: Visit, priority: () => 601 }, () => Promise.resolve(1));
    const vigil = h.vigil([throwing, notString, empty, long, rated, badPriority]);
    const refused = [
      [throwing, /threw: no patient/],
      [notString, /non-empty string; got number/],
      [empty, /non-empty string; got an empty string/],
      [long, /at most 256 bytes/],
      [rated, /rateLimit key .*got null/],
      [badPriority, /priority function's result must be an integer .* 0 to 600; got 601/],
    ] as const;
    for (const [workflow, message] of refused) {
      await expect(vigil.start(workflow, { patientId: 'P-1' })).rejects.toSatisfy(
        (e) => isVigilError(e) && e.code === 'invalid_argument' && message.test(e.message),
      );
    }
    for (const priority of [-1, 1.5, 601, '5']) {
      await expect(vigil.start(badPriority, { patientId: 'P-1' }, { priority: priority as number })).rejects.toSatisfy(
        (e) => isVigilError(e) && e.code === 'invalid_argument' && e.path === 'priority',
      );
    }
    expect((await vigil.listRuns()).runs).toEqual([]);
  });

  it('records the priority, from the start over the workflow, and queues the run that much earlier', async () => {
    const wf = defineWorkflow({ name: 'triage', input: Visit, priority: (input) => (input.n > 5 ? 120 : 0) }, () =>
      Promise.resolve(1),
    );
    const vigil = h.vigil([wf]);
    const normal = await vigil.start(wf, { patientId: 'P-1' });
    const byInput = await vigil.start(wf, { patientId: 'P-2', n: 9 });
    const byStart = await vigil.start(wf, { patientId: 'P-3', n: 9 }, { priority: 600 });
    const created = new Date(h.clock.now()).toISOString();
    expect(await vigil.getRun(normal.id)).toMatchObject({ priority: 0, wakeAt: created, waitingFor: null });
    // Claimable from its creation on: the earlier queue position is not shown as a wake-up time.
    expect(await vigil.getRun(byInput.id)).toMatchObject({ priority: 120, wakeAt: created });
    expect(await vigil.getRun(byStart.id)).toMatchObject({ priority: 600 });
  });
});

describe('flow control of runs started by events', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.cleanup());

  it('starts runs under the limits, and skips an event whose payload the key function refuses', async () => {
    const discharge = defineWorkflow(
      {
        name: 'discharge.on-order',
        input: z.object({ patientId: z.string() }),
        on: { event: 'discharge.ordered' },
        concurrency: {
          limit: 1,
          key: (input) => {
            if (input.patientId === 'unknown') throw new Error('no such patient');
            return input.patientId;
          },
        },
      },
      async (ctx, input) => ctx.step('go', () => input.patientId),
    );
    const vigil = h.vigil([discharge], { worker: { pollMs: 60_000 } });
    const first = await vigil.sendEvent('discharge.ordered', { patientId: 'P-1' });
    const second = await vigil.sendEvent('discharge.ordered', { patientId: 'P-1' });
    expect(await vigil.getRun(second.runs[0]!)).toMatchObject({ concurrencyKey: 'P-1' });
    // Stored and dispatched, but it starts nothing, and no sweep will try again.
    expect(await vigil.sendEvent('discharge.ordered', { patientId: 'unknown' })).toMatchObject({ runs: [] });
    expect(await h.result(vigil, first.runs[0]!)).toBe('P-1');
    expect(await h.result(vigil, second.runs[0]!)).toBe('P-1');
  });
});

describe.each(DIALECTS)('flow control with a worker on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('runs one discharge per patient at a time, in order, while other patients go ahead', async () => {
    const release = new Map<string, ReturnType<typeof gate<void>>>();
    const running = new Set<string>();
    const order: string[] = [];
    const discharge = defineWorkflow(
      { name: 'discharge', input: Visit, concurrency: { limit: 1, key: (input) => input.patientId } },
      async (ctx, input) => {
        await ctx.step('work', async () => {
          const key = `${input.patientId}#${input.n}`;
          expect([...running].map((r) => r.split('#')[0])).not.toContain(input.patientId);
          running.add(key);
          order.push(key);
          const opened = gate();
          release.set(key, opened);
          await opened.promise;
          running.delete(key);
        });
        return input.n;
      },
    );
    const vigil = h.vigil([discharge], { worker: { concurrency: 8, pollMs: 60_000 } });
    await vigil.ready();
    const first = await vigil.start(discharge, { patientId: 'P-1', n: 1 });
    // Never started on the creating worker directly: only a claim counts the active runs.
    expect(first.status).toBe('queued');
    // Run ids order runs queued in one millisecond at random: this one is queued later.
    await h.clock.advance(1);
    const second = await vigil.start(discharge, { patientId: 'P-1', n: 2 });
    const other = await vigil.start(discharge, { patientId: 'P-2', n: 1 });
    await h.until(() => running.size === 2);
    expect([...running].sort()).toEqual(['P-1#1', 'P-2#1']);
    await h.until(async () => (await vigil.getRun(second.id))?.waitingFor === 'concurrency_key');
    expect(await vigil.getRun(second.id)).toMatchObject({ status: 'queued', concurrencyKey: 'P-1', wakeAt: null });

    release.get('P-1#1')!.open();
    await h.until(() => running.has('P-1#2'));
    release.get('P-1#2')!.open();
    release.get('P-2#1')!.open();
    for (const { id } of [first, second, other]) expect(await h.result(vigil, id)).toBeGreaterThan(0);
    expect(order.filter((key) => key.startsWith('P-1'))).toEqual(['P-1#1', 'P-1#2']);
  });
});
