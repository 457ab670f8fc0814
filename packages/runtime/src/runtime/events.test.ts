import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import { sha256 } from '../core/checksum.js';
import { DEFAULT_IDEMPOTENCY_RETENTION_MS } from '../core/ids.js';
import { canonicalJson } from '../core/json.js';
import { defineWorkflow } from '../core/workflow.js';

const Order = z.object({ patientId: z.string(), ward: z.string().optional() });

describe.each(DIALECTS)('events on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('starts each triggered workflow once per event, however often it is delivered', async () => {
    const ran: string[] = [];
    const onOrder = defineWorkflow(
      { name: 'discharge.on-order', input: Order, on: { event: 'discharge.ordered', match: { ward: 'B' } } },
      async (ctx, input) => ctx.step('go', () => (ran.push(input.patientId), input.patientId)),
    );
    const vigil = h.vigil([onOrder], { worker: { pollMs: 60_000 } });
    const first = await vigil.sendEvent('discharge.ordered', { patientId: 'P-1', ward: 'B' }, { id: 'order-1' });
    expect(first).toMatchObject({ created: true, woke: 0 });
    expect(first.runs).toHaveLength(1);
    const again = await vigil.sendEvent('discharge.ordered', { patientId: 'P-1', ward: 'B' }, { id: 'order-1' });
    expect(again).toMatchObject({ created: false, runs: first.runs, event: { id: first.event.id } });
    await expect(vigil.sendEvent('discharge.ordered', { patientId: 'P-2' }, { id: 'order-1' })).rejects.toMatchObject({
      code: 'event_conflict',
    });
    // Another ward does not match the trigger: stored, nothing started.
    expect((await vigil.sendEvent('discharge.ordered', { patientId: 'P-3', ward: 'C' })).runs).toEqual([]);
    expect(await h.result(vigil, first.runs[0]!)).toBe('P-1');
    expect(ran).toEqual(['P-1']);
    const shown = await vigil.eventClient.get(first.event.id);
    expect(shown.deliveries).toMatchObject([{ runId: first.runs[0], kind: 'started' }]);
    expect((await vigil.eventClient.list({ name: 'discharge.ordered' })).events).toHaveLength(2);
  });

  it('accepts 200 concurrent deliveries of one event and starts exactly one run', async () => {
    const onPing = defineWorkflow(
      { name: 'on-ping', input: z.object({ n: z.number() }), on: { event: 'ping' } },
      async () => 'pong',
    );
    const vigil = h.vigil([onPing]);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => vigil.sendEvent('ping', { n: 1 }, { id: 'same-delivery' })),
    );
    expect(new Set(results.map((r) => r.event.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.flatMap((r) => r.runs)).size).toBe(1);
    expect((await vigil.listRuns()).runs).toHaveLength(1);
  });

  it('dispatches an event its receiver never got to, from a worker’s sweep', async () => {
    const onLate = defineWorkflow({ name: 'on-late', input: z.object({}), on: { event: 'late' } }, async () => 'done');
    const vigil = h.vigil([onLate], { worker: { pollMs: 60_000 } });
    await vigil.ready();
    // Stored but never dispatched, as if its process died right after the commit.
    const now = h.clock.now();
    await vigil.store.events.append({
      id: '01a00000-0000-7000-8000-000000000001',
      name: 'late',
      payload: '{}',
      payloadHash: sha256(canonicalJson({})),
      dedupeKey: null,
      dedupeRetentionMs: DEFAULT_IDEMPOTENCY_RETENTION_MS,
      source: 'api',
      principal: null,
      receivedAt: now,
    });
    await h.until(async () => (await vigil.listRuns()).runs.length === 1, { stepMs: 1000 });
    const [run] = (await vigil.listRuns()).runs;
    expect(await h.result(vigil, run!.id)).toBe('done');
    expect((await vigil.eventClient.get('01a00000-0000-7000-8000-000000000001')).dispatchedAt).not.toBeNull();
  });

  it('waitForEvent: wakes on a matching event, takes one that arrived first, and times out', async () => {
    const wf = defineWorkflow({ name: 'awaiting', input: Order }, async (ctx, input) => {
      const ack = await ctx.waitForEvent<{ patientId: string; note: string }>('patient.acknowledged', {
        match: { patientId: input.patientId },
        timeout: '1h',
      });
      return ack.timedOut ? 'timed out' : ack.event.payload.note;
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });

    // The event arrives while the run waits: the run wakes at once, not at its timeout.
    const waiting = await vigil.start(wf, { patientId: 'P-1' });
    await h.until(async () => (await vigil.getRun(waiting.id))?.status === 'waiting');
    expect((await vigil.getRun(waiting.id))!.steps[0]).toMatchObject({ kind: 'event', status: 'waiting' });
    await vigil.sendEvent('patient.acknowledged', { patientId: 'P-2', note: 'not mine' });
    const sent = await vigil.sendEvent('patient.acknowledged', { patientId: 'P-1', note: 'thanks' });
    expect(sent.woke).toBe(1);
    expect(await h.result(vigil, waiting.id)).toBe('thanks');
    expect((await vigil.eventClient.get(sent.event.id)).deliveries).toMatchObject([
      { runId: waiting.id, kind: 'received', seq: 1 },
    ]);

    // The event arrived before the run asked for it (within the lookback): it counts.
    await vigil.sendEvent('patient.acknowledged', { patientId: 'P-3', note: 'early' });
    const late = await vigil.start(wf, { patientId: 'P-3' });
    expect(await h.result(vigil, late.id)).toBe('early');

    // Nothing comes: the timeout marker.
    const lonely = await vigil.start(wf, { patientId: 'P-4' });
    await h.until(async () => (await vigil.getRun(lonely.id))?.status === 'waiting');
    await h.clock.advance(3_600_000);
    expect(await h.result(vigil, lonely.id)).toBe('timed out');
  });

  it('gives each of two waits on one name its own event', async () => {
    const wf = defineWorkflow({ name: 'twice', input: z.object({}) }, async (ctx) => {
      const a = await ctx.waitForEvent<{ n: number }>('tick', { name: 'first' });
      const b = await ctx.waitForEvent<{ n: number }>('tick', { name: 'second' });
      return [a.event?.payload.n, b.event?.payload.n];
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    await vigil.sendEvent('tick', { n: 1 });
    const { id } = await vigil.start(wf, {});
    await h.until(async () => (await vigil.getRun(id))?.status === 'waiting');
    await vigil.sendEvent('tick', { n: 2 });
    expect(await h.result(vigil, id)).toEqual([1, 2]);
  });
});
