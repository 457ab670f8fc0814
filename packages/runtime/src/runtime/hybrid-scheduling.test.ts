/**
 * Hybrid scheduling: a workflow started by events whose `on.idempotencyKey` names the item they
 * carry, and a sweep that re-sends items with `ctx.sendEvent`. Between them every item starts
 * exactly one run, whichever trigger reached it first, and a crash of the sweep sends nothing twice.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, gate, type Dialect } from '../../test/helpers/harness.js';
import type { Logger } from '../core/logger.js';
import { defineWorkflow } from '../core/workflow.js';
import { FakeClock } from '../testing/fake-clock.js';
import { ArmedFailpoints } from './failpoints.js';

const Item = z.object({ itemId: z.string(), kind: z.string() });
type Item = z.infer<typeof Item>;

const ITEMS: Item[] = ['A', 'B', 'C', 'D', 'E'].map((id) => ({ itemId: id, kind: 'late-checkout' }));

/** Log lines at warn, as a log shipper would see them. */
function recordingLogger(lines: Array<{ message: string; fields: Record<string, unknown> }>): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message, fields = {}) => void lines.push({ message, fields }),
    error: () => undefined,
    child: () => logger,
  };
  return logger;
}

describe.each(DIALECTS)('hybrid scheduling on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  /** The item workflow, counting its effects outside Vigil's own records. */
  function itemWorkflow(handled: string[]) {
    return defineWorkflow(
      {
        name: 'item.handle',
        input: Item,
        on: { event: 'item.arrived', idempotencyKey: (item) => `item:${item.itemId}` },
      },
      async (ctx, item) => ctx.step('handle', () => (handled.push(item.itemId), item.itemId)),
    );
  }

  /** Re-sends every item it is given; the items' workflow decides what is new. */
  const sweep = defineWorkflow(
    { name: 'item.sweep', input: z.object({ items: z.array(Item) }) },
    async (ctx, input) => {
      const sent = [];
      for (const item of input.items) sent.push(await ctx.sendEvent('item.arrived', item));
      return sent.map((result) => ({ created: result.created, runs: result.runs }));
    },
  );

  it('starts one run for one item delivered by two events with different ids', async () => {
    const handled: string[] = [];
    const handle = itemWorkflow(handled);
    const vigil = h.vigil([handle], { worker: { pollMs: 60_000 } });
    const first = await vigil.sendEvent('item.arrived', ITEMS[0], { id: 'webhook:msg_1' });
    const second = await vigil.sendEvent('item.arrived', ITEMS[0], { id: 'sweep:A' });
    expect(first.created && second.created).toBe(true);
    expect(second.event.id).not.toBe(first.event.id);
    expect(second.runs).toEqual(first.runs);
    expect(await h.result(vigil, first.runs[0]!)).toBe('A');
    const runs = (await vigil.listRuns()).runs;
    expect(runs.map((r) => [r.workflow, r.idempotencyKey])).toEqual([['item.handle', 'item:A']]);
    expect(handled).toEqual(['A']);
  });

  it('a sweep sending every item starts exactly the ones the events missed', async () => {
    const handled: string[] = [];
    const handle = itemWorkflow(handled);
    const vigil = h.vigil([handle, sweep], { worker: { pollMs: 60_000 } });
    // The "webhook" delivers A, C and E; B and D are lost on the way.
    const delivered = new Map<string, string>();
    for (const item of [ITEMS[0]!, ITEMS[2]!, ITEMS[4]!]) {
      const { runs } = await vigil.sendEvent('item.arrived', item, { id: `webhook:${item.itemId}` });
      delivered.set(item.itemId, runs[0]!);
    }

    const { id } = await vigil.start(sweep, { items: ITEMS });
    const sent = await h.result<Array<{ created: boolean; runs: string[] }>>(vigil, id);
    // Every item's event is new (the sweep's own ids); the delivered ones name their existing run.
    expect(sent.map((s) => s.created)).toEqual([true, true, true, true, true]);
    expect(sent[0]!.runs).toEqual([delivered.get('A')]);
    expect(sent[2]!.runs).toEqual([delivered.get('C')]);
    expect(sent[4]!.runs).toEqual([delivered.get('E')]);

    await h.until(
      async () => (await vigil.listRuns({ workflow: 'item.handle', status: 'completed' })).runs.length === 5,
    );
    const runs = (await vigil.listRuns({ workflow: 'item.handle' })).runs;
    expect(runs.map((r) => r.idempotencyKey).sort()).toEqual(['item:A', 'item:B', 'item:C', 'item:D', 'item:E']);
    expect([...handled].sort()).toEqual(['A', 'B', 'C', 'D', 'E']);
    // The sweep's events say which run sent them.
    const fromSweep = (await vigil.eventClient.list()).events.filter((e) => e.source === `run:${id}`);
    expect(fromSweep.map((e) => e.dedupeId).sort()).toEqual([2, 3, 4, 5, 1].map((seq) => `run:${id}:${seq}`).sort());
  });

  it('a sweep whose worker dies after sending, before its checkpoint, sends the same event again: nothing starts twice', async () => {
    const handled: string[] = [];
    const handle = itemWorkflow(handled);
    // Worker A stops right after the first send ran, before its checkpoint; its clock is frozen,
    // so its heartbeat stops too: as far as anyone can tell, it died there. (The item's run,
    // started on A by that send, is left alone.)
    const hold = gate();
    const frozen = new FakeClock(h.clock.now());
    let held = false;
    const failpoints = new ArmedFailpoints().arm('step.after-body', ({ step }) => {
      if (step !== 'send:item.arrived' || held) return;
      held = true;
      return hold.promise;
    });
    const a = h.vigil([handle, sweep], { clock: frozen, failpoints, worker: { leaseTtlMs: 1000, pollMs: 100 } });
    const { id } = await a.start(sweep, { items: ITEMS.slice(0, 2) });
    await h.until(async () => (await a.eventClient.list()).events.length === 1);

    const b = h.vigil([handle, sweep], { worker: { leaseTtlMs: 1000, pollMs: 100 } });
    const sent = await h.result<Array<{ created: boolean; runs: string[] }>>(b, id);
    // Attempt 2 of the first send found its event already stored: the same event, the same run.
    expect(sent.map((s) => s.created)).toEqual([false, true]);
    const run = await b.getRun(id);
    expect(run!.steps.map((s) => [s.name, s.attempts, s.status])).toEqual([
      ['send:item.arrived', 2, 'completed'],
      ['send:item.arrived', 1, 'completed'],
    ]);
    const events = (await b.eventClient.list()).events;
    expect(events.map((e) => e.dedupeId).sort()).toEqual([`run:${id}:1`, `run:${id}:2`]);
    await h.until(async () => (await b.listRuns({ workflow: 'item.handle', status: 'completed' })).runs.length === 2);
    expect((await b.listRuns({ workflow: 'item.handle' })).runs).toHaveLength(2);
    expect([...handled].sort()).toEqual(['A', 'B']);

    // Worker A wakes up and tries to commit its send: refused, nothing changes.
    const lost: string[] = [];
    a.events.on('lease.lost', ({ runId }) => lost.push(runId));
    hold.open();
    await h.until(() => lost.length === 1);
    expect((await b.eventClient.list()).events).toHaveLength(2);
    expect((await b.getRun(id))!.steps.map((s) => s.attempts)).toEqual([2, 1]);
  });

  it('ctx.sendEvent with an id is one event across runs; a bad name or id fails at the call', async () => {
    const announce = defineWorkflow(
      { name: 'announce', input: z.object({ event: z.string(), id: z.string().optional() }) },
      async (ctx, input) => {
        const sent = await ctx.sendEvent(input.event, { at: 'noon' }, { name: 'announce', id: input.id });
        return { created: sent.created, eventId: sent.event.id };
      },
    );
    const vigil = h.vigil([announce], { worker: { pollMs: 60_000 } });
    const first = await vigil.start(announce, { event: 'lunch.ready', id: 'lunch:2026-01-01' });
    const second = await vigil.start(announce, { event: 'lunch.ready', id: 'lunch:2026-01-01' });
    const [a, b] = await Promise.all(
      [first, second].map((run) => h.result<{ created: boolean; eventId: string }>(vigil, run.id)),
    );
    expect([a!.created, b!.created].sort()).toEqual([false, true]);
    expect(b!.eventId).toBe(a!.eventId);
    expect((await vigil.getRun(first.id))!.steps.map((s) => s.name)).toEqual(['announce']);

    for (const [input, message] of [
      [{ event: 'lunch ready' }, /event name/],
      [{ event: 'lunch.ready', id: ' ' }, /idempotency key/],
    ] as const) {
      const { id } = await vigil.start(announce, input);
      await h.until(async () => (await vigil.getRun(id))?.status === 'dead_lettered');
      expect((await vigil.getRun(id))!.error).toMatchObject({
        code: 'invalid_argument',
        message: expect.stringMatching(message) as unknown,
      });
    }
  });

  it('a key function that throws or returns a bad key is logged; the other workflows and the waiting runs still get the event', async () => {
    const warnings: Array<{ message: string; fields: Record<string, unknown> }> = [];
    const picky = defineWorkflow(
      {
        name: 'item.picky',
        input: Item,
        on: {
          event: 'item.arrived',
          idempotencyKey: (item) => {
            if (item.itemId === 'A') throw new Error('no key for A');
            return item.itemId === 'B' ? ' ' : `picky:${item.itemId}`;
          },
        },
      },
      async () => 'picked',
    );
    const plain = defineWorkflow({ name: 'item.plain', input: Item, on: { event: 'item.arrived' } }, async () => 'ok');
    const waiter = defineWorkflow({ name: 'item.waiter', input: z.object({}) }, async (ctx) => {
      const got = await ctx.waitForEvent<Item>('item.arrived', { match: { itemId: 'A' } });
      return got.event?.payload.itemId;
    });
    const vigil = h.vigil([picky, plain, waiter], {
      logger: recordingLogger(warnings),
      worker: { pollMs: 60_000 },
    });
    const waiting = await vigil.start(waiter, {});
    await h.until(async () => (await vigil.getRun(waiting.id))?.status === 'waiting');

    const a = await vigil.sendEvent('item.arrived', ITEMS[0]);
    const b = await vigil.sendEvent('item.arrived', ITEMS[1]);
    const c = await vigil.sendEvent('item.arrived', ITEMS[2]);
    expect(a).toMatchObject({ woke: 1 });
    expect(a.runs).toHaveLength(1);
    expect(b.runs).toHaveLength(1);
    expect(c.runs).toHaveLength(2);
    expect(await h.result(vigil, waiting.id)).toBe('A');
    const workflowsOf = async (runs: string[]) => Promise.all(runs.map(async (r) => (await vigil.getRun(r))!.workflow));
    expect(await workflowsOf(a.runs)).toEqual(['item.plain']);
    expect(await workflowsOf(b.runs)).toEqual(['item.plain']);
    expect((await workflowsOf(c.runs)).sort()).toEqual(['item.picky', 'item.plain']);

    const keyFailures = warnings.filter((w) => w.message.includes('idempotency key'));
    expect(keyFailures.map((w) => w.fields)).toEqual([
      { eventId: a.event.id, event: 'item.arrived', workflow: 'item.picky', error: 'no key for A' },
      {
        eventId: b.event.id,
        event: 'item.arrived',
        workflow: 'item.picky',
        error: 'The idempotency key must not be empty or only whitespace',
      },
    ]);
    // Dispatched all the same: what failed is the workflow's code, and a repeat would fail alike.
    for (const event of [a, b]) expect((await vigil.eventClient.get(event.event.id)).dispatchedAt).not.toBeNull();
  });

  it('an item sent again with another payload starts nothing new and is logged', async () => {
    const warnings: Array<{ message: string; fields: Record<string, unknown> }> = [];
    const handled: string[] = [];
    const vigil = h.vigil([itemWorkflow(handled)], { logger: recordingLogger(warnings), worker: { pollMs: 60_000 } });
    const first = await vigil.sendEvent('item.arrived', ITEMS[0]);
    const changed = await vigil.sendEvent('item.arrived', { ...ITEMS[0], kind: 'early-checkin' });
    expect(changed.runs).toEqual([]);
    expect(await h.result(vigil, first.runs[0]!)).toBe('A');
    expect(warnings).toMatchObject([
      {
        message: 'an event carries an item whose run already started with another payload',
        fields: { eventId: changed.event.id, workflow: 'item.handle' },
      },
    ]);
    expect((await vigil.eventClient.get(changed.event.id)).dispatchedAt).not.toBeNull();
  });
});
