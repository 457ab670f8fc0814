import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import type { Vigil } from '../compose.js';
import { slotJitter } from '../core/schedule-spec.js';
import { defineWorkflow } from '../core/workflow.js';
import { ArmedFailpoints } from './failpoints.js';

const MINUTE = 60_000;
const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

/** Returns its input at once. */
const tick = defineWorkflow({ name: 'sched.tick', input: z.object({ n: z.number().optional() }) }, async (ctx, input) =>
  ctx.step('tick', () => input.n ?? 0),
);
/** Works for 80 minutes (a durable sleep): longer than the hour between its slots. */
const long = defineWorkflow({ name: 'sched.long', input: z.object({}) }, async (ctx) => {
  await ctx.sleep('work', '80m');
  return 'done';
});

/** Waits (in real time: the clock stands still) until the scheduler has stored the declared schedule. */
async function synced(vigil: Vigil, id: string): Promise<void> {
  for (let tries = 0; !(await vigil.schedules.get(id).catch(() => null)); tries++) {
    if (tries > 500) throw new Error(`the declared schedule ${id} was not synced`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The slots that started runs of schedule `id`, from the runs' idempotency keys, oldest first. */
async function firedSlots(vigil: Vigil, id: string): Promise<string[]> {
  const { runs } = await vigil.listRuns({ limit: 500 });
  const prefix = `schedule:${id}:`;
  return runs
    .flatMap((run) => (run.idempotencyKey?.startsWith(prefix) ? [run.idempotencyKey.slice(prefix.length)] : []))
    .sort();
}

describe.each(DIALECTS)('scheduler on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  /**
   * Moves the fake clock to exactly `time` in steps of at most `stepMs`, then on in one-second
   * steps until `done` holds: small steps give a network database real time to answer. Landing
   * on `time` rather than past it matters to `catchUp: 'none'`, which skips a slot the scheduler
   * first sees more than a minute late.
   */
  async function runUntil(time: string, done: () => Promise<boolean> = async () => true, stepMs = MINUTE) {
    const target = at(time);
    while (h.clock.now() < target) {
      await h.clock.advance(Math.min(stepMs, target - h.clock.now()));
      if (dialect === 'postgres') await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await h.until(done, { stepMs: Math.min(stepMs, 1000), maxMs: 10 * MINUTE });
  }
  const hasFired = (vigil: Vigil, id: string, count: number) => async () =>
    (await firedSlots(vigil, id)).length >= count;
  const nextSlotIs = (vigil: Vigil, id: string, slot: string) => async () =>
    (await vigil.schedules.get(id)).nextSlotAt === slot;
  /** Second-scale tests look for due schedules every 250 ms (the default), hour-scale ones every 10 s. */
  const fine = { worker: { pollMs: 60_000 }, scheduler: { tickMs: 250 } };
  const coarse = { worker: { pollMs: 60_000 }, scheduler: { tickMs: 10_000 } };

  it('fires each slot once, a jitter within its bound after the slot, the same jitter any process computes', async () => {
    const every10s = defineWorkflow(
      { name: 'sched.every10s', input: z.object({}), schedule: { cron: '*/10 * * * * *', jitter: '5s' } },
      async (ctx) => ctx.scheduledAt,
    );
    const vigil = h.vigil([every10s], fine);
    await synced(vigil, 'sched.every10s');
    const fired: Array<{ slot: number; at: number; created: boolean }> = [];
    vigil.events.on('schedule.fired', (e) => fired.push({ slot: e.slot, at: h.clock.now(), created: e.created }));
    await runUntil('2026-01-01T00:02:00.000Z', hasFired(vigil, 'sched.every10s', 11), 250);

    const slots = Array.from({ length: 11 }, (_, i) => at('2026-01-01T00:00:10Z') + i * 10_000);
    expect(await firedSlots(vigil, 'sched.every10s')).toEqual(slots.map(iso).filter((s) => s < '2026-01-01T00:01:55'));
    for (const { slot, at: firedAt, created } of fired.filter((f) => f.slot < at('2026-01-01T00:01:55Z'))) {
      const jitter = slotJitter('sched.every10s', slot, 5_000);
      expect(created).toBe(true);
      expect(firedAt).toBeGreaterThanOrEqual(slot + jitter);
      // Fired at the first look after it fell due: within the scheduler's tick (and the test's step).
      // A network database lags behind this fast fake clock: there, only "before the next slot" holds.
      expect(firedAt - (slot + jitter)).toBeLessThanOrEqual(dialect === 'sqlite' ? 250 : 10_000 - jitter);
    }
    const jitters = new Set(fired.map((f) => slotJitter('sched.every10s', f.slot, 5_000)));
    expect(jitters.size).toBeGreaterThan(3);
    expect(Math.max(...jitters)).toBeLessThan(5_000);
    expect((await vigil.schedules.get('sched.every10s')).lastSlotAt).toBe(iso(fired[fired.length - 1]!.slot));
    // Each run knows the slot it was started for, though it started a jitter later.
    const first = (await vigil.listRuns({ limit: 500 })).runs.find((r) => r.idempotencyKey?.endsWith(iso(slots[0]!)));
    expect(await h.result(vigil, first!.id)).toBe(slots[0]);
  });

  it('after an outage fires the slots its catch-up policy says: none, the latest, or all within the window', async () => {
    const first = h.vigil([tick], coarse);
    await first.ready();
    const hourly = { workflow: 'sched.tick', cron: '0 * * * *', overlap: 'allow' as const };
    await first.schedules.create({ ...hourly, id: 'none', catchUp: 'none' });
    await first.schedules.create({ ...hourly, id: 'latest', catchUp: 'latest' });
    await first.schedules.create({ ...hourly, id: 'all', catchUp: 'all', input: { n: 7 } });
    await first.schedules.create({ ...hourly, id: 'all-2h', catchUp: 'all', catchUpWindow: '2h' });
    await runUntil('2026-01-01T01:00:00Z', async () => {
      const fired = await Promise.all(['none', 'latest', 'all', 'all-2h'].map((id) => hasFired(first, id, 1)()));
      return fired.every(Boolean);
    });
    for (const id of ['none', 'latest', 'all', 'all-2h']) {
      expect(await firedSlots(first, id), id).toEqual(['2026-01-01T01:00:00.000Z']);
    }

    // Every scheduler is down from just after 01:00 to 04:30: the slots of 02:00, 03:00 and 04:00 pass.
    await first.close();
    await h.clock.set(at('2026-01-01T04:30:00Z'));
    const second = h.vigil([tick], coarse);
    const order: string[] = [];
    second.events.on('schedule.fired', (e) => order.push(`${e.scheduleId}@${iso(e.slot).slice(11, 16)}`));
    await runUntil('2026-01-01T04:31:00Z', async () => {
      const done = await Promise.all([
        hasFired(second, 'all', 4)(),
        hasFired(second, 'all-2h', 3)(),
        hasFired(second, 'latest', 2)(),
        nextSlotIs(second, 'none', '2026-01-01T05:00:00.000Z')(),
      ]);
      return done.every(Boolean);
    });
    expect(await firedSlots(second, 'none')).toEqual(['2026-01-01T01:00:00.000Z']);
    expect(await firedSlots(second, 'latest')).toEqual(['2026-01-01T01:00:00.000Z', '2026-01-01T04:00:00.000Z']);
    expect(await firedSlots(second, 'all')).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
      '2026-01-01T04:00:00.000Z',
    ]);
    // 02:00 was 2 h 30 min late: outside the window.
    expect(await firedSlots(second, 'all-2h')).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
      '2026-01-01T04:00:00.000Z',
    ]);
    expect(order.filter((o) => o.startsWith('all@'))).toEqual(['all@02:00', 'all@03:00', 'all@04:00']);
    const runs = (await second.listRuns({ workflow: 'sched.tick', limit: 500 })).runs;
    const caughtUp = runs.find((run) => run.idempotencyKey === 'schedule:all:2026-01-01T02:00:00.000Z')!;
    expect(await h.result(second, caughtUp.id)).toBe(7);

    // Back on time, `none` fires again.
    await runUntil('2026-01-01T05:00:00Z', hasFired(second, 'none', 2));
    expect(await firedSlots(second, 'none')).toEqual(['2026-01-01T01:00:00.000Z', '2026-01-01T05:00:00.000Z']);
  });

  it('judges overlap on the last run: skip drops a slot, buffer-one holds one until the run ends, allow fires all', async () => {
    const vigil = h.vigil([long], coarse);
    await vigil.ready();
    for (const overlap of ['skip', 'buffer-one', 'allow'] as const) {
      await vigil.schedules.create({ id: overlap, workflow: 'sched.long', cron: '0 * * * *', overlap });
    }
    const firedAt = new Map<string, number>();
    vigil.events.on('schedule.fired', (e) => firedAt.set(`${e.scheduleId}@${iso(e.slot)}`, h.clock.now()));
    await runUntil('2026-01-01T02:15:00Z', nextSlotIs(vigil, 'skip', '2026-01-01T03:00:00.000Z'));
    // The 01:00 run works until 02:20: at 02:00 skip drops the slot and buffer-one holds it.
    expect(await vigil.schedules.get('buffer-one')).toMatchObject({ bufferedSlotAt: '2026-01-01T02:00:00.000Z' });

    await runUntil('2026-01-01T04:15:00Z', async () => {
      const done = await Promise.all([
        hasFired(vigil, 'allow', 4)(),
        hasFired(vigil, 'buffer-one', 3)(),
        nextSlotIs(vigil, 'skip', '2026-01-01T05:00:00.000Z')(),
        nextSlotIs(vigil, 'buffer-one', '2026-01-01T05:00:00.000Z')(),
      ]);
      return done.every(Boolean);
    });
    // skip: 01:00 ran until 02:20, so 02:00 was dropped; 03:00 found it finished, 04:00 did not.
    expect(await firedSlots(vigil, 'skip')).toEqual(['2026-01-01T01:00:00.000Z', '2026-01-01T03:00:00.000Z']);
    // buffer-one: 02:00 fired when the 01:00 run ended at 02:20; 03:00 waited for that one until 03:40.
    expect(await firedSlots(vigil, 'buffer-one')).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
    ]);
    const bufferedAt = firedAt.get('buffer-one@2026-01-01T02:00:00.000Z')!;
    expect(bufferedAt).toBeGreaterThanOrEqual(at('2026-01-01T02:20:00Z'));
    // ...soon after (a network database lags a few minutes of this fast-moving fake time), not at 03:00.
    expect(bufferedAt).toBeLessThan(at('2026-01-01T03:00:00Z'));
    expect(firedAt.get('buffer-one@2026-01-01T03:00:00.000Z')).toBeGreaterThanOrEqual(at('2026-01-01T03:40:00Z'));
    // 04:00 came while the 03:00 run (from 03:40 to 05:00) was going: held.
    expect(await vigil.schedules.get('buffer-one')).toMatchObject({ bufferedSlotAt: '2026-01-01T04:00:00.000Z' });
    expect(await firedSlots(vigil, 'allow')).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
      '2026-01-01T04:00:00.000Z',
    ]);
    const running = (await vigil.listRuns({ status: 'sleeping', limit: 500 })).runs;
    expect(running.filter((run) => run.idempotencyKey?.startsWith('schedule:allow:'))).toHaveLength(2);
  });

  it('lets two schedulers on one store fire each slot of a one-second schedule once', async () => {
    const a = h.vigil([tick], fine);
    const b = h.vigil([tick], fine);
    await Promise.all([a.ready(), b.ready()]);
    await a.schedules.create({
      id: 'every-second',
      workflow: 'sched.tick',
      cron: '* * * * * *',
      overlap: 'allow',
      catchUp: 'all',
    });
    const fired: Array<{ slot: number; created: boolean }> = [];
    for (const vigil of [a, b]) vigil.events.on('schedule.fired', (e) => fired.push(e));
    await runUntil('2026-01-01T00:00:30.000Z', hasFired(a, 'every-second', 30), 100);
    const slots = await firedSlots(a, 'every-second');
    const expected = Array.from({ length: slots.length }, (_, i) => iso(at('2026-01-01T00:00:01Z') + i * 1000));
    expect(slots.join(' '), `${expected.filter((s) => !slots.includes(s)).join()} missing`).toEqual(expected.join(' '));
    expect(slots.length).toBeGreaterThanOrEqual(30);
    expect(fired.filter((f) => f.created)).toHaveLength(slots.length);
  });

  it('fires a slot once when its scheduler fails between starting the run and releasing the schedule', async () => {
    // The first slot's run commits, then the pass dies: the schedule stays claimed at that slot.
    const failpoints = new ArmedFailpoints().arm(
      'schedule.after-fire',
      () => {
        throw new Error('the process died here');
      },
      { onHit: 1 },
    );
    const vigil = h.vigil([tick], { worker: { pollMs: 60_000 }, scheduler: { tickMs: 1000 }, failpoints });
    await vigil.ready();
    await vigil.schedules.create({ id: 'crashy', workflow: 'sched.tick', cron: '0 * * * *', overlap: 'allow' });
    const fired: Array<[string, boolean]> = [];
    vigil.events.on('schedule.fired', (e) => fired.push([iso(e.slot), e.created]));
    // Once the claim expires (5 s), the slot is fired again, and its key finds the run; the
    // release that follows the event is a write of its own, so wait for it too.
    await runUntil(
      '2026-01-01T01:00:00Z',
      async () => fired.length === 2 && (await vigil.schedules.get('crashy')).lastRunId !== null,
    );
    expect(fired).toEqual([
      ['2026-01-01T01:00:00.000Z', true],
      ['2026-01-01T01:00:00.000Z', false],
    ]);
    const [runId] = (await vigil.listRuns()).runs.map((run) => run.id);
    expect(await firedSlots(vigil, 'crashy')).toEqual(['2026-01-01T01:00:00.000Z']);
    expect(await vigil.schedules.get('crashy')).toMatchObject({
      lastSlotAt: '2026-01-01T01:00:00.000Z',
      lastRunId: runId,
      nextSlotAt: '2026-01-01T02:00:00.000Z',
    });
  });
});
