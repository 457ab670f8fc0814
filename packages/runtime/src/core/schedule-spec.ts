import { Cron } from 'croner';

import { readDuration } from './duration-parse.js';
import type { Duration } from './duration.js';
import { InvalidArgumentError } from './errors.js';

/** What happens to a slot that comes due while the schedule's previous run is still going. */
export type ScheduleOverlap = 'skip' | 'buffer-one' | 'allow';
/** Which slots missed while no scheduler ran (downtime, deploy) are fired afterwards. */
export type ScheduleCatchUp = 'none' | 'latest' | 'all';

/** A schedule as users write it: on a workflow (`schedule: {...}`), in `POST /v1/schedules`, or in the CLI. */
export interface ScheduleOptions {
  /**
   * Five fields (`minute hour day-of-month month day-of-week`), six with seconds first, or a
   * macro: `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`.
   */
  cron: string;
  /** IANA time zone the expression is read in, e.g. `Europe/Berlin`. Default `UTC`. */
  timezone?: string;
  /** Each slot fires at a random moment up to this long after it, so many schedules do not start at once. Default 0. */
  jitter?: Duration;
  /** Default `skip`: a slot that comes due while the previous run is unfinished is dropped. */
  overlap?: ScheduleOverlap;
  /** Default `latest`: after downtime, the most recent missed slot fires once. */
  catchUp?: ScheduleCatchUp;
  /** How far back missed slots still fire with `catchUp: 'latest' | 'all'`. Default 24 h. */
  catchUpWindow?: Duration;
}

/** A validated schedule, durations in milliseconds. */
export interface ScheduleSpec {
  cron: string;
  timezone: string;
  jitterMs: number;
  overlap: ScheduleOverlap;
  catchUp: ScheduleCatchUp;
  catchUpWindowMs: number;
}

export const DEFAULT_CATCH_UP_WINDOW_MS = 24 * 60 * 60 * 1000;
/** With `catchUp: 'none'`, a slot later than this is considered missed and is not fired. */
export const ON_TIME_TOLERANCE_MS = 60_000;

const OVERLAPS: readonly ScheduleOverlap[] = ['skip', 'buffer-one', 'allow'];
const CATCH_UPS: readonly ScheduleCatchUp[] = ['none', 'latest', 'all'];
const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/**
 * Checks a schedule and fills in its defaults.
 *
 * @throws InvalidArgumentError (`invalid_argument`) naming the field and what is wrong with it,
 *   e.g. `schedule.cron: invalid value for minute: 61`.
 */
export function validateSchedule(options: ScheduleOptions, what = 'schedule'): ScheduleSpec {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`${what} must be an object with a cron expression`, { path: what });
  }
  const timezone = validateTimezone(options.timezone ?? 'UTC', `${what}.timezone`);
  const cron = validateCron(options.cron, `${what}.cron`);
  const overlap = options.overlap ?? 'skip';
  if (!OVERLAPS.includes(overlap)) {
    throw new InvalidArgumentError(
      `${what}.overlap must be one of ${OVERLAPS.join(', ')}; got ${JSON.stringify(overlap)}`,
      { path: `${what}.overlap` },
    );
  }
  const catchUp = options.catchUp ?? 'latest';
  if (!CATCH_UPS.includes(catchUp)) {
    throw new InvalidArgumentError(
      `${what}.catchUp must be one of ${CATCH_UPS.join(', ')}; got ${JSON.stringify(catchUp)}`,
      { path: `${what}.catchUp` },
    );
  }
  const jitterMs = options.jitter === undefined ? 0 : durationAt(options.jitter, `${what}.jitter`);
  const catchUpWindowMs =
    options.catchUpWindow === undefined
      ? DEFAULT_CATCH_UP_WINDOW_MS
      : durationAt(options.catchUpWindow, `${what}.catchUpWindow`);
  return { cron, timezone, jitterMs, overlap, catchUp, catchUpWindowMs };
}

function durationAt(value: Duration, path: string): number {
  const reading = readDuration(value, path);
  if (!reading.ok) throw new InvalidArgumentError(reading.problem, { path });
  return reading.ms;
}

function validateCron(cron: unknown, path: string): string {
  if (typeof cron !== 'string' || cron.trim() === '') {
    throw new InvalidArgumentError(`${path} must be a cron expression such as "0 * * * *"`, { path });
  }
  const text = cron.trim().replace(/\s+/g, ' ');
  if (text.startsWith('@')) {
    if (!MACROS.has(text.toLowerCase())) {
      throw new InvalidArgumentError(
        `${path}: unknown macro ${JSON.stringify(text)}; use one of ${[...MACROS].join(', ')}`,
        { path },
      );
    }
    return text.toLowerCase();
  }
  const fields = text.split(' ').length;
  if (fields !== 5 && fields !== 6) {
    throw new InvalidArgumentError(
      `${path}: ${JSON.stringify(text)} has ${fields} field${fields === 1 ? '' : 's'}; a cron expression has 5 ` +
        '(minute hour day-of-month month day-of-week) or 6 (seconds first)',
      { path },
    );
  }
  try {
    new Cron(text, { paused: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
    throw new InvalidArgumentError(`${path}: ${JSON.stringify(text)} is not a valid cron expression: ${reason}`, {
      path,
    });
  }
  return text;
}

function validateTimezone(timezone: unknown, path: string): string {
  if (typeof timezone !== 'string' || timezone.trim() === '') {
    throw new InvalidArgumentError(`${path} must be an IANA time zone such as "Europe/Berlin"`, { path });
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    throw new InvalidArgumentError(
      `${path}: ${JSON.stringify(timezone)} is not an IANA time zone (e.g. "UTC", "America/New_York", "Europe/Berlin")`,
      { path },
    );
  }
}

/**
 * The first slot of `spec` strictly after `afterMs` (epoch milliseconds), or null if the
 * expression never fires again. Wall-clock times that a DST change skips fire once at the first
 * valid moment after them; times that it repeats fire once, at their first occurrence;
 * interval expressions (`*\/30 * * * *`) fire at every real instant that matches.
 */
export function nextSlot(spec: Pick<ScheduleSpec, 'cron' | 'timezone'>, afterMs: number): number | null {
  const next = new Cron(spec.cron, { timezone: spec.timezone, paused: true }).nextRun(new Date(afterMs));
  return next ? next.getTime() : null;
}

/**
 * The latest slot of `spec` in [`notBefore`, `atOrBefore`], or null if there is none there.
 * Found by bisection with {@link nextSlot} (so it agrees with it on DST days), in a few dozen
 * steps however many slots lie in between: a scheduler that was down for a day does not walk
 * through 86,400 one-second slots to find the last one.
 */
export function lastSlotAtOrBefore(
  spec: Pick<ScheduleSpec, 'cron' | 'timezone'>,
  atOrBefore: number,
  notBefore: number,
): number | null {
  const cron = new Cron(spec.cron, { timezone: spec.timezone, paused: true });
  const after = (ms: number): number | null => cron.nextRun(new Date(ms))?.getTime() ?? null;
  let best = after(notBefore - 1);
  if (best === null || best > atOrBefore) return null;
  // Invariant: `best` is a slot ≤ `high`, and the answer is the last slot in [best, high].
  let high = atOrBefore;
  for (;;) {
    const following = after(best);
    if (following === null || following > high) return best;
    const middle = Math.floor((following + high) / 2);
    const upper = after(middle);
    if (upper !== null && upper <= high) best = upper;
    else {
      best = following;
      high = middle;
    }
  }
}

/**
 * How long after its slot a slot fires: a value in [0, jitterMs) that every scheduler process
 * computes alike for the same schedule and slot, so they agree on when it is due.
 */
export function slotJitter(scheduleId: string, slotMs: number, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  // FNV-1a over the id and the slot: cheap, stable across processes and versions.
  let hash = 0x811c9dc5;
  for (const char of `${scheduleId}@${slotMs}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % jitterMs;
}

/** The idempotency key of the run a slot starts: every scheduler process that fires it uses the same one. */
export function slotIdempotencyKey(scheduleId: string, slotMs: number): string {
  return `schedule:${scheduleId}:${new Date(slotMs).toISOString()}`;
}

const SLOT_KEY = /^schedule:[A-Za-z0-9][A-Za-z0-9._:-]{0,127}:(?:manual:)?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)$/;

/**
 * The slot a run was started for, read back from its idempotency key (`slotIdempotencyKey`, or
 * `schedule:<id>:manual:<time>` for a manual trigger); null for any other key.
 */
export function slotOfKey(idempotencyKey: string | null): number | null {
  const match = idempotencyKey === null ? null : SLOT_KEY.exec(idempotencyKey);
  return match?.[1] ? Date.parse(match[1]) : null;
}
