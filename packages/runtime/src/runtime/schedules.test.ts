import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import type { Vigil } from '../compose.js';
import type { Logger } from '../core/logger.js';
import { defineWorkflow, type AnyWorkflow, type WorkflowOptions } from '../core/workflow.js';

const MINUTE = 60_000;
const at = (iso: string): number => Date.parse(iso);

const Input = z.object({ region: z.string() });
const report = defineWorkflow({ name: 'sched.report', input: Input }, async (_ctx, input) => input.region);

/** `sched.declared` declaring `schedule` (or nothing). */
function declared(schedule?: Pick<WorkflowOptions<typeof Input>, 'schedule' | 'scheduleInput'>) {
  return defineWorkflow({ name: 'sched.declared', input: Input, ...schedule }, async (_ctx, input) => input.region);
}

async function slotsOf(vigil: Vigil, id: string): Promise<string[]> {
  const prefix = `schedule:${id}:`;
  return (await vigil.listRuns({ limit: 500 })).runs
    .flatMap((run) => (run.idempotencyKey?.startsWith(prefix) ? [run.idempotencyKey.slice(prefix.length)] : []))
    .filter((slot) => !slot.startsWith('manual:'))
    .sort();
}

/** A logger that keeps each line as `message {fields}`. */
function capture(lines: string[]): Logger {
  const log = (message: string, fields?: Record<string, unknown>): void => {
    lines.push(`${message} ${JSON.stringify(fields ?? {})}`);
  };
  const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
  return logger;
}

/** Waits in real time (the fake clock stands still) for `check`: a scheduler's start-up is not driven by the clock. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let tries = 0; !(await check().catch(() => false)); tries++) {
    if (tries > 500) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(DIALECTS)('schedules on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  /** A Vigil with a worker and its scheduler, once the scheduler has synced the declared schedules. */
  async function started(workflows: AnyWorkflow[]): Promise<Vigil> {
    const lines: string[] = [];
    const vigil = h.vigil(workflows, { worker: { pollMs: 60_000 }, logger: capture(lines) });
    await eventually(async () => lines.some((line) => line.startsWith('scheduler started')));
    return vigil;
  }

  it('adds schedules, refuses bad ones naming the field, lists them newest first and pages them', async () => {
    const vigil = h.vigil([report]);
    await vigil.ready();
    const created = await vigil.schedules.create({
      id: 'report.eu',
      workflow: 'sched.report',
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Berlin',
      jitter: '5m',
      overlap: 'buffer-one',
      catchUp: 'all',
      catchUpWindow: '6h',
      input: { region: 'eu' },
    });
    expect(created).toMatchObject({
      id: 'report.eu',
      workflow: 'sched.report',
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Berlin',
      jitterMs: 300_000,
      overlap: 'buffer-one',
      catchUp: 'all',
      catchUpWindowMs: 21_600_000,
      input: { region: 'eu' },
      paused: false,
      origin: 'api',
      nextSlotAt: '2026-01-01T08:00:00.000Z', // Thursday 09:00 in Berlin
      bufferedSlotAt: null,
      lastSlotAt: null,
      lastRunId: null,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(Date.parse(created.nextFireAt!) - Date.parse(created.nextSlotAt!)).toBeLessThan(300_000);

    const refusals: Array<[Parameters<Vigil['schedules']['create']>[0], string, string | null]> = [
      [{ workflow: 'sched.report', cron: '61 * * * *', input: { region: 'x' } }, 'invalid_argument', 'cron'],
      [{ workflow: 'sched.report', cron: '* * *', input: { region: 'x' } }, 'invalid_argument', 'cron'],
      [
        { workflow: 'sched.report', cron: '0 * * * *', timezone: 'Mars/Olympus', input: { region: 'x' } },
        'invalid_argument',
        'timezone',
      ],
      [
        { workflow: 'sched.report', cron: '0 * * * *', overlap: 'queue' as never, input: {} },
        'invalid_argument',
        'overlap',
      ],
      [{ workflow: 'sched.report', cron: '0 * * * *', input: { region: 7 } }, 'input_invalid', 'input.region'],
      [{ workflow: 'sched.nope', cron: '0 * * * *' }, 'workflow_not_found', 'workflow'],
      [{ id: '-bad', workflow: 'sched.report', cron: '0 * * * *', input: { region: 'x' } }, 'invalid_argument', 'id'],
      [
        { id: 'report.eu', workflow: 'sched.report', cron: '0 * * * *', input: { region: 'x' } },
        'schedule_exists',
        'id',
      ],
    ];
    for (const [request, code, path] of refusals) {
      await expect(vigil.schedules.create(request), JSON.stringify(request)).rejects.toMatchObject({ code, path });
    }
    await expect(vigil.schedules.create(refusals[0]![0])).rejects.toThrow(
      /^cron: "61 \* \* \* \*" is not a valid cron expression: .*minute: 61/,
    );

    await h.clock.advance(1000);
    const generated = await vigil.schedules.create({
      workflow: 'sched.report',
      cron: '@daily',
      input: { region: 'us' },
    });
    expect(generated.id).toMatch(/^sched\.report:[0-9a-f]{8}$/);
    expect((await vigil.schedules.list()).schedules.map((s) => s.id)).toEqual([generated.id, 'report.eu']);
    const page = await vigil.schedules.list({ limit: 1 });
    expect(page.schedules.map((s) => s.id)).toEqual([generated.id]);
    expect((await vigil.schedules.list({ limit: 1, cursor: page.nextCursor! })).schedules.map((s) => s.id)).toEqual([
      'report.eu',
    ]);
    await expect(vigil.schedules.list({ cursor: 'nonsense' })).rejects.toMatchObject({ path: 'cursor' });
    // An expression that never fires again is kept, with no next slot.
    const never = await vigil.schedules.create({
      workflow: 'sched.report',
      cron: '0 0 30 2 *',
      input: { region: 'x' },
    });
    expect(never).toMatchObject({ nextSlotAt: null, nextFireAt: null });
  });

  it('pauses and resumes: nothing fires while paused, and the slots of the pause are not caught up', async () => {
    const vigil = h.vigil([report], { worker: { pollMs: 60_000 } });
    await vigil.ready();
    await vigil.schedules.create({
      id: 'minutely',
      workflow: 'sched.report',
      cron: '* * * * *',
      catchUp: 'all',
      input: { region: 'eu' },
    });
    await h.until(async () => (await slotsOf(vigil, 'minutely')).length === 2, { stepMs: 1000, maxMs: 5 * MINUTE });
    const paused = await vigil.schedules.pause('minutely');
    expect(paused).toMatchObject({ paused: true, nextSlotAt: null, nextFireAt: null });
    expect(await vigil.schedules.pause('minutely')).toEqual(paused);

    await h.until(() => h.clock.now() >= at('2026-01-01T00:10:30Z'), { stepMs: 1000, maxMs: 10 * MINUTE });
    expect(await slotsOf(vigil, 'minutely')).toEqual(['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']);

    const resumed = await vigil.schedules.resume('minutely');
    expect(resumed).toMatchObject({ paused: false, nextSlotAt: '2026-01-01T00:11:00.000Z' });
    await h.until(async () => (await slotsOf(vigil, 'minutely')).length === 4, { stepMs: 1000, maxMs: 5 * MINUTE });
    expect(await slotsOf(vigil, 'minutely')).toEqual([
      '2026-01-01T00:01:00.000Z',
      '2026-01-01T00:02:00.000Z',
      '2026-01-01T00:11:00.000Z',
      '2026-01-01T00:12:00.000Z',
    ]);
    await expect(vigil.schedules.pause('nope')).rejects.toMatchObject({ code: 'schedule_not_found' });
    await expect(vigil.schedules.resume('nope')).rejects.toMatchObject({ code: 'schedule_not_found' });
  });

  it('triggers a run now without moving the schedule, and removes a schedule so it fires no more', async () => {
    const vigil = h.vigil([report], { worker: { pollMs: 60_000 } });
    await vigil.ready();
    await vigil.schedules.create({
      id: 'hourly',
      workflow: 'sched.report',
      cron: '0 * * * *',
      input: { region: 'eu' },
    });
    const run = await vigil.schedules.trigger('hourly');
    expect(run).toMatchObject({ created: true });
    expect(await h.result(vigil, run.id)).toBe('eu');
    const details = await vigil.getRun(run.id);
    expect(details!.idempotencyKey).toBe('schedule:hourly:manual:2026-01-01T00:00:00.000Z');
    expect(await vigil.schedules.get('hourly')).toMatchObject({
      nextSlotAt: '2026-01-01T01:00:00.000Z',
      lastRunId: null,
    });

    const removed = await vigil.schedules.remove('hourly');
    expect(removed.id).toBe('hourly');
    await expect(vigil.schedules.get('hourly')).rejects.toMatchObject({ code: 'schedule_not_found' });
    await expect(vigil.schedules.remove('hourly')).rejects.toMatchObject({ code: 'schedule_not_found' });
    await expect(vigil.schedules.trigger('hourly')).rejects.toMatchObject({ code: 'schedule_not_found' });
    await h.until(() => h.clock.now() >= at('2026-01-01T02:30:00Z'), { stepMs: MINUTE, maxMs: 3 * 60 * MINUTE });
    expect(await slotsOf(vigil, 'hourly')).toEqual([]);
  });

  it('syncs declared schedules on start: unchanged ones keep their slot and pause, changed ones start over', async () => {
    const hourly = { schedule: { cron: '0 * * * *' }, scheduleInput: { region: 'eu' } };
    const first = await started([declared(hourly), report]);
    expect(await first.schedules.get('sched.declared')).toMatchObject({
      origin: 'workflow',
      workflow: 'sched.declared',
      input: { region: 'eu' },
      nextSlotAt: '2026-01-01T01:00:00.000Z',
    });
    await first.schedules.pause('sched.declared');
    await expect(first.schedules.remove('sched.declared')).rejects.toMatchObject({
      code: 'schedule_declared',
      message: expect.stringContaining('remove `schedule` from its definition') as unknown,
    });
    // An API schedule of the workflow is not the declaration's to manage.
    await first.schedules.create({ id: 'extra', workflow: 'sched.declared', cron: '@daily', input: { region: 'us' } });
    const before = await first.schedules.get('sched.declared');
    await first.close();

    // A restart with the same declaration, later on: still paused, nothing rewritten.
    await h.clock.advance(90 * MINUTE);
    const restarted = await started([declared(hourly)]);
    expect(await restarted.schedules.get('sched.declared')).toEqual(before);
    await restarted.schedules.resume('sched.declared');
    await restarted.close();

    // Another input keeps the next slot; another cron starts over from now.
    const relabelled = await started([declared({ ...hourly, scheduleInput: { region: 'apac' } })]);
    expect(await relabelled.schedules.get('sched.declared')).toMatchObject({
      input: { region: 'apac' },
      nextSlotAt: '2026-01-01T02:00:00.000Z',
    });
    await relabelled.close();
    const retimed = await started([declared({ schedule: { cron: '45 * * * *' }, scheduleInput: { region: 'apac' } })]);
    expect(await retimed.schedules.get('sched.declared')).toMatchObject({
      cron: '45 * * * *',
      nextSlotAt: '2026-01-01T01:45:00.000Z',
    });
    const retimedState = await retimed.schedules.get('sched.declared');
    await retimed.close();

    // A process that does not know the workflow leaves its schedules alone.
    const stranger = await started([report]);
    expect(await stranger.schedules.get('sched.declared')).toEqual(retimedState);
    expect((await stranger.schedules.list()).schedules.map((s) => s.id).sort()).toEqual(['extra', 'sched.declared']);
    await stranger.close();

    // No longer declared: removed on the next start; the API schedule stays.
    const undeclared = await started([declared()]);
    expect((await undeclared.schedules.list()).schedules.map((s) => s.id)).toEqual(['extra']);
  });

  it('leaves out a declaration whose input the workflow refuses, and says so', async () => {
    const lines: string[] = [];
    const bad = declared({ schedule: { cron: '0 * * * *' }, scheduleInput: { region: 3 } as never });
    const vigil = h.vigil([bad], { worker: { pollMs: 60_000 }, logger: capture(lines) });
    await eventually(async () => lines.some((line) => line.startsWith('scheduler started')));
    const refused = lines.find((line) => line.startsWith('a declared schedule was not synced'));
    expect(refused).toContain('scheduleInput.region');
    expect((await vigil.schedules.list()).schedules).toEqual([]);
  });
});
