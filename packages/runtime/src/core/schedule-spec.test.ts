import { describe, expect, it } from 'vitest';

import {
  lastSlotAtOrBefore,
  nextSlot,
  slotIdempotencyKey,
  slotJitter,
  slotOfKey,
  validateSchedule,
} from './schedule-spec.js';

/** The next `count` slots after `from`, as ISO strings. */
function slots(cron: string, timezone: string, from: string, count: number): string[] {
  const out: string[] = [];
  let at = Date.parse(from);
  for (let i = 0; i < count; i += 1) {
    const next = nextSlot({ cron, timezone }, at);
    if (next === null) break;
    out.push(new Date(next).toISOString());
    at = next;
  }
  return out;
}

describe('cron slots', () => {
  it('fills in defaults and normalises the expression', () => {
    expect(validateSchedule({ cron: '0  *  * * *' })).toEqual({
      cron: '0 * * * *',
      timezone: 'UTC',
      jitterMs: 0,
      overlap: 'skip',
      catchUp: 'latest',
      catchUpWindowMs: 86_400_000,
    });
    expect(validateSchedule({ cron: '@Hourly', jitter: '30s', overlap: 'buffer-one', catchUp: 'all' })).toMatchObject({
      cron: '@hourly',
      jitterMs: 30_000,
      overlap: 'buffer-one',
      catchUp: 'all',
    });
    expect(validateSchedule({ cron: '*/5 * * * * *', timezone: 'Europe/Berlin' }).cron).toBe('*/5 * * * * *');
  });

  it('says what is wrong with a bad expression, time zone or option', () => {
    expect(() => validateSchedule({ cron: '61 * * * *' })).toThrow(
      /schedule\.cron: "61 \* \* \* \*" is not a valid cron expression: .*minute: 61/,
    );
    expect(() => validateSchedule({ cron: '* * *' })).toThrow(/has 3 fields; a cron expression has 5/);
    expect(() => validateSchedule({ cron: '15 0 0 1 1 *' })).not.toThrow();
    expect(() => validateSchedule({ cron: '0 0 0 1 1 * 2030' })).toThrow(/has 7 fields/);
    expect(() => validateSchedule({ cron: '@fortnightly' })).toThrow(/unknown macro "@fortnightly"/);
    expect(() => validateSchedule({ cron: '' })).toThrow(/must be a cron expression/);
    expect(() => validateSchedule({ cron: '0 * * * *', timezone: 'Mars/Olympus' })).toThrow(
      /schedule\.timezone: "Mars\/Olympus" is not an IANA time zone/,
    );
    expect(() => validateSchedule({ cron: '0 * * * *', overlap: 'queue' as never })).toThrow(/overlap must be one of/);
    expect(() => validateSchedule({ cron: '0 * * * *', catchUp: 'some' as never })).toThrow(/catchUp must be one of/);
    expect(() => validateSchedule({ cron: '0 * * * *', jitter: 'soon' as never })).toThrow(/jitter/);
  });

  it('fires a wall-clock time that spring-forward skips once, at the first valid moment, in New York and Berlin', () => {
    // 2026-03-08: New York jumps from 02:00 EST to 03:00 EDT, so 02:30 does not exist that day.
    expect(slots('30 2 * * *', 'America/New_York', '2026-03-07T00:00:00Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT, the first moment after the skipped 02:30
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
    // 2026-03-29: Berlin jumps from 02:00 CET to 03:00 CEST.
    expect(slots('30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', 3)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('fires a wall-clock time that fall-back repeats once, and an interval at every real instant', () => {
    // 2026-11-01: New York goes from 02:00 EDT back to 01:00 EST, so 01:30 happens twice.
    expect(slots('30 1 * * *', 'America/New_York', '2026-10-31T00:00:00Z', 3)).toEqual([
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z', // 01:30 EDT only
      '2026-11-02T06:30:00.000Z',
    ]);
    // 2026-10-25: Berlin goes from 03:00 CEST back to 02:00 CET.
    expect(slots('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST only
      '2026-10-26T01:30:00.000Z',
    ]);
    // Every 30 minutes through New York's repeated hour: 01:00 and 01:30 EDT, then again EST.
    expect(slots('*/30 * * * *', 'America/New_York', '2026-11-01T04:50:00Z', 5)).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:30:00.000Z',
      '2026-11-01T07:00:00.000Z',
    ]);
  });

  it('agrees on jitter and slot keys in every process', () => {
    const slot = Date.parse('2026-11-26T10:00:00Z');
    const a = slotJitter('hourly-recon', slot, 60_000);
    expect(a).toBe(slotJitter('hourly-recon', slot, 60_000));
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(60_000);
    expect(slotJitter('hourly-recon', slot, 0)).toBe(0);
    const spread = new Set(Array.from({ length: 50 }, (_, i) => slotJitter(`s${i}`, slot, 60_000)));
    expect(spread.size).toBeGreaterThan(40);
    expect(slotIdempotencyKey('hourly-recon', slot)).toBe('schedule:hourly-recon:2026-11-26T10:00:00.000Z');
    expect(slotOfKey(slotIdempotencyKey('hourly-recon', slot))).toBe(slot);
    expect(slotOfKey('schedule:hourly-recon:manual:2026-11-26T10:00:00.000Z')).toBe(slot);
    expect(slotOfKey('order-42')).toBeNull();
    expect(slotOfKey(null)).toBeNull();
  });

  it('finds the last slot before a time as walking slot by slot would, DST days included', () => {
    const cases: Array<[string, string, string, string]> = [
      ['* * * * * *', 'UTC', '2026-01-01T00:00:00Z', '2026-01-01T00:17:42.500Z'],
      ['*/30 * * * *', 'America/New_York', '2026-11-01T03:00:00Z', '2026-11-01T08:10:00Z'],
      ['30 2 * * *', 'America/New_York', '2026-03-05T00:00:00Z', '2026-03-10T00:00:00Z'],
      ['30 2 * * *', 'Europe/Berlin', '2026-10-20T00:00:00Z', '2026-10-28T00:00:00Z'],
      ['* 9 * * *', 'UTC', '2026-01-01T00:00:00Z', '2026-01-03T15:00:00Z'],
    ];
    for (const [cron, timezone, from, to] of cases) {
      const notBefore = Date.parse(from);
      const atOrBefore = Date.parse(to);
      let walked: number | null = null;
      for (let at = nextSlot({ cron, timezone }, notBefore - 1); at !== null && at <= atOrBefore;) {
        walked = at;
        at = nextSlot({ cron, timezone }, at);
      }
      expect(lastSlotAtOrBefore({ cron, timezone }, atOrBefore, notBefore), cron).toBe(walked);
    }
    // A slot exactly at either bound counts; nothing in the range is null.
    const hourly = { cron: '0 * * * *', timezone: 'UTC' };
    const ten = Date.parse('2026-01-01T10:00:00Z');
    expect(lastSlotAtOrBefore(hourly, ten, ten)).toBe(ten);
    expect(lastSlotAtOrBefore(hourly, ten + 3_599_999, ten - 1)).toBe(ten);
    expect(lastSlotAtOrBefore(hourly, ten - 1, ten - 3_599_999)).toBeNull();
  });
});
