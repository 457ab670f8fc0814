import {
  ON_TIME_TOLERANCE_MS,
  lastSlotAtOrBefore,
  nextSlot,
  slotJitter,
  type ScheduleSpec,
} from '../core/schedule-spec.js';

/** Most slots one schedule fires in one pass; the rest follow in the next pass, at once. */
export const MAX_SLOTS_PER_PASS = 100;

/** What a schedule's due slots come to under its catch-up policy, before overlap is applied. */
export interface SlotPlan {
  /** Slots to fire, oldest first. */
  fire: number[];
  /** The latest due slot passed over as too late for the catch-up policy, if any. */
  late: number | null;
  /** The first slot not handled: the schedule's next slot (null: the expression never fires again). */
  next: number | null;
  /** Whether due slots remain beyond `MAX_SLOTS_PER_PASS` (only with `catchUp: 'all'`). */
  more: boolean;
}

/**
 * The slots due by `now` from `nextSlotAt` on, and which of them fire. A slot is due once its
 * fire time (the slot plus its jitter) has passed; it is late by how long ago that was.
 *
 * - `none`: only the latest due slot, and only if it is at most `ON_TIME_TOLERANCE_MS` late;
 * - `latest`: the latest due slot, if it is at most `catchUpWindowMs` late;
 * - `all`: every due slot at most `catchUpWindowMs` late, oldest first.
 *
 * Slots are taken in order: a slot whose jitter makes it due before an earlier one waits for it.
 */
export function planSlots(
  schedule: { id: string; spec: ScheduleSpec; nextSlotAt: number | null },
  now: number,
  maxSlots = MAX_SLOTS_PER_PASS,
): SlotPlan {
  const { id, spec } = schedule;
  const fireAt = (slot: number): number => slot + slotJitter(id, slot, spec.jitterMs);
  const first = schedule.nextSlotAt;
  if (first === null || fireAt(first) > now) return { fire: [], late: null, next: first, more: false };

  const windowMs = spec.catchUp === 'none' ? ON_TIME_TOLERANCE_MS : spec.catchUpWindowMs;
  // Slots before the horizon are late by more than the window whatever their jitter: skip them
  // without looking at each (a one-second schedule down for a day has 86,400 of them).
  const horizon = now - windowMs - spec.jitterMs;
  let slot: number | null = first < horizon ? nextSlot(spec, horizon - 1) : first;
  const late = first < horizon ? lastSlotAtOrBefore(spec, horizon - 1, first) : null;
  if (spec.catchUp !== 'all' && slot !== null) {
    // Only the latest due slot can fire: start at the last one that is surely due by now.
    slot = lastSlotAtOrBefore(spec, now - spec.jitterMs, slot) ?? slot;
  }

  const due: number[] = [];
  const limit = spec.catchUp === 'all' ? maxSlots : Number.POSITIVE_INFINITY;
  while (slot !== null && fireAt(slot) <= now && due.length < limit) {
    due.push(slot);
    slot = nextSlot(spec, slot);
  }
  const onTime = (s: number): boolean => now - fireAt(s) <= windowMs;
  const more = slot !== null && fireAt(slot) <= now;
  if (spec.catchUp === 'all') {
    const fire = due.filter(onTime);
    const missed = due.filter((s) => !onTime(s));
    return { fire, late: missed.length > 0 ? missed[missed.length - 1]! : late, next: slot, more };
  }
  const latest = due[due.length - 1];
  if (latest === undefined) return { fire: [], late, next: slot, more: false };
  return onTime(latest)
    ? { fire: [latest], late, next: slot, more: false }
    : { fire: [], late: latest, next: slot, more: false };
}

/** When a slot is due: the slot plus its jitter; null for no slot. */
export function fireTime(id: string, spec: ScheduleSpec, slot: number | null): number | null {
  return slot === null ? null : slot + slotJitter(id, slot, spec.jitterMs);
}

/** A schedule's first slot after `now` and when it is due: where adding, resuming or re-timing one starts it. */
export function firstSlotAfter(
  id: string,
  spec: ScheduleSpec,
  now: number,
): { nextSlotAt: number | null; nextFireAt: number | null } {
  const nextSlotAt = nextSlot(spec, now);
  return { nextSlotAt, nextFireAt: fireTime(id, spec, nextSlotAt) };
}
