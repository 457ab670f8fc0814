import { describe, expect, it } from 'vitest';

import { slotJitter, validateSchedule, type ScheduleOptions } from '../core/schedule-spec.js';
import { planSlots } from './schedule-plan.js';

const at = (iso: string): number => Date.parse(iso);
const isos = (slots: number[]): string[] => slots.map((slot) => new Date(slot).toISOString());

/** The plan of a schedule `id` with `options` whose next slot is `next`, at `now`. */
function plan(options: ScheduleOptions, next: string, now: string, id = 's') {
  return planSlots({ id, spec: validateSchedule(options), nextSlotAt: at(next) }, at(now));
}

describe('planSlots', () => {
  it('fires nothing before the fire time, then the slot; the next slot follows it', () => {
    expect(plan({ cron: '0 * * * *' }, '2026-01-01T10:00:00Z', '2026-01-01T09:59:59.999Z')).toEqual({
      fire: [],
      late: null,
      next: at('2026-01-01T10:00:00Z'),
      more: false,
    });
    const due = plan({ cron: '0 * * * *' }, '2026-01-01T10:00:00Z', '2026-01-01T10:00:00.200Z');
    expect({ ...due, fire: isos(due.fire) }).toEqual({
      fire: ['2026-01-01T10:00:00.000Z'],
      late: null,
      next: at('2026-01-01T11:00:00Z'),
      more: false,
    });
  });

  it('waits for a slot’s jitter, the same in every process', () => {
    const slot = at('2026-01-01T10:00:00Z');
    const jitter = slotJitter('recon', slot, 600_000);
    expect(jitter).toBeGreaterThan(0);
    const before = new Date(slot + jitter - 1).toISOString();
    const after = new Date(slot + jitter).toISOString();
    expect(plan({ cron: '0 * * * *', jitter: '10m' }, '2026-01-01T10:00:00Z', before, 'recon').fire).toEqual([]);
    expect(plan({ cron: '0 * * * *', jitter: '10m' }, '2026-01-01T10:00:00Z', after, 'recon').fire).toEqual([slot]);
  });

  it('after an outage: none fires nothing late, latest the last slot, all every slot in the window', () => {
    const hourly = { cron: '0 * * * *' };
    const now = '2026-01-01T04:30:00Z';
    expect(plan({ ...hourly, catchUp: 'none' }, '2026-01-01T02:00:00Z', now)).toEqual({
      fire: [],
      late: at('2026-01-01T04:00:00Z'),
      next: at('2026-01-01T05:00:00Z'),
      more: false,
    });
    // Up to a minute late is on time.
    expect(isos(plan({ ...hourly, catchUp: 'none' }, '2026-01-01T02:00:00Z', '2026-01-01T04:01:00Z').fire)).toEqual([
      '2026-01-01T04:00:00.000Z',
    ]);
    expect(isos(plan({ ...hourly, catchUp: 'latest' }, '2026-01-01T02:00:00Z', now).fire)).toEqual([
      '2026-01-01T04:00:00.000Z',
    ]);
    expect(isos(plan({ ...hourly, catchUp: 'all' }, '2026-01-01T02:00:00Z', now).fire)).toEqual([
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T03:00:00.000Z',
      '2026-01-01T04:00:00.000Z',
    ]);
    const windowed = plan({ ...hourly, catchUp: 'all', catchUpWindow: '2h' }, '2026-01-01T01:00:00Z', now);
    expect(isos(windowed.fire)).toEqual(['2026-01-01T03:00:00.000Z', '2026-01-01T04:00:00.000Z']);
    expect(windowed.late).toBe(at('2026-01-01T02:00:00Z'));
    expect(plan({ ...hourly, catchUp: 'latest', catchUpWindow: '20m' }, '2026-01-01T02:00:00Z', now)).toMatchObject({
      fire: [],
      late: at('2026-01-01T04:00:00Z'),
    });
  });

  it('finds the last slot of a one-second schedule down for a day without walking them all', () => {
    const latest = plan({ cron: '* * * * * *', catchUp: 'latest' }, '2026-01-01T00:00:00Z', '2026-01-02T00:00:00.500Z');
    expect(isos(latest.fire)).toEqual(['2026-01-02T00:00:00.000Z']);
    expect(latest.next).toBe(at('2026-01-02T00:00:01Z'));
    // `all` takes a day of slots a hundred at a time, from the oldest within the window.
    const all = plan(
      { cron: '* * * * * *', catchUp: 'all', catchUpWindow: '1h' },
      '2026-01-01T00:00:00Z',
      '2026-01-02T00:00:00.500Z',
    );
    expect(all.fire).toHaveLength(100);
    expect(isos(all.fire.slice(0, 1))).toEqual(['2026-01-01T23:00:01.000Z']);
    expect(all).toMatchObject({ next: at('2026-01-01T23:01:41Z'), more: true });
  });

  it('fires nothing for a schedule that never fires again', () => {
    const spec = validateSchedule({ cron: '0 0 30 2 *' });
    expect(planSlots({ id: 's', spec, nextSlotAt: null }, at('2026-06-01T00:00:00Z'))).toEqual({
      fire: [],
      late: null,
      next: null,
      more: false,
    });
  });
});
