import type { ScheduleCatchUp, ScheduleOverlap } from '../core/schedule-spec.js';
import type { NewSchedule, ScheduleOrigin, ScheduleRecord } from './schedule-store.js';

/** A row of the `schedules` table, as both dialects return it (`paused` is 0/1 in SQLite). */
export interface ScheduleRow {
  id: string;
  workflow: string;
  cron: string;
  timezone: string;
  jitter_ms: number;
  overlap: string;
  catch_up: string;
  catch_up_window_ms: number;
  input: string;
  paused: boolean | number;
  origin: string;
  next_slot_at: number | null;
  next_fire_at: number | null;
  buffered_slot_at: number | null;
  last_slot_at: number | null;
  last_run_id: string | null;
  claim_owner: string | null;
  claim_expires_at: number | null;
  created_at: number;
  updated_at: number;
}

export const SCHEDULE_COLUMNS =
  'id, workflow, cron, timezone, jitter_ms, overlap, catch_up, catch_up_window_ms, input, paused, origin, ' +
  'next_slot_at, next_fire_at, buffered_slot_at, last_slot_at, last_run_id, claim_owner, claim_expires_at, ' +
  'created_at, updated_at';

/** The columns a new schedule is inserted with, in order, and their values. */
export const INSERT_COLUMNS =
  'id, workflow, cron, timezone, jitter_ms, overlap, catch_up, catch_up_window_ms, input, origin, ' +
  'next_slot_at, next_fire_at, created_at, updated_at';

export function insertValues(s: NewSchedule): unknown[] {
  const { spec } = s;
  return [
    s.id,
    s.workflow,
    spec.cron,
    spec.timezone,
    spec.jitterMs,
    spec.overlap,
    spec.catchUp,
    spec.catchUpWindowMs,
    s.input,
    s.origin,
    s.nextSlotAt,
    s.nextFireAt,
    s.now,
    s.now,
  ];
}

/**
 * The SET and WHERE of a declared schedule's upsert, for either dialect (`paused` is never
 * touched). `same timing`: cron, time zone and jitter as stored, so the next slot stands.
 */
const SAME_TIMING =
  'schedules.cron = excluded.cron AND schedules.timezone = excluded.timezone AND schedules.jitter_ms = excluded.jitter_ms';
export const UPSERT_DECLARED_SET = `workflow = excluded.workflow, cron = excluded.cron, timezone = excluded.timezone,
    jitter_ms = excluded.jitter_ms, overlap = excluded.overlap, catch_up = excluded.catch_up,
    catch_up_window_ms = excluded.catch_up_window_ms, input = excluded.input,
    next_slot_at = CASE WHEN ${SAME_TIMING} THEN schedules.next_slot_at ELSE excluded.next_slot_at END,
    next_fire_at = CASE WHEN ${SAME_TIMING} THEN schedules.next_fire_at ELSE excluded.next_fire_at END,
    buffered_slot_at = CASE WHEN ${SAME_TIMING} THEN schedules.buffered_slot_at ELSE NULL END,
    claim_owner = CASE WHEN ${SAME_TIMING} THEN schedules.claim_owner ELSE NULL END,
    claim_expires_at = CASE WHEN ${SAME_TIMING} THEN schedules.claim_expires_at ELSE NULL END,
    updated_at = excluded.updated_at
  WHERE schedules.origin = 'workflow' AND NOT (${SAME_TIMING} AND schedules.workflow = excluded.workflow
    AND schedules.overlap = excluded.overlap AND schedules.catch_up = excluded.catch_up
    AND schedules.catch_up_window_ms = excluded.catch_up_window_ms AND schedules.input = excluded.input)`;

/**
 * A held slot is due once the schedule's last run has finished (or is gone): the condition of the
 * due query, so a slot waiting on a run that takes hours costs no claim every tick.
 */
export const BUFFERED_SLOT_READY = `buffered_slot_at IS NOT NULL AND NOT EXISTS (
  SELECT 1 FROM runs WHERE runs.id = schedules.last_run_id
  AND runs.status NOT IN ('completed', 'completed_partial', 'failed', 'cancelled', 'dead_lettered'))`;

export function toScheduleRecord(row: ScheduleRow): ScheduleRecord {
  return {
    id: row.id,
    workflow: row.workflow,
    spec: {
      cron: row.cron,
      timezone: row.timezone,
      jitterMs: row.jitter_ms,
      overlap: row.overlap as ScheduleOverlap,
      catchUp: row.catch_up as ScheduleCatchUp,
      catchUpWindowMs: row.catch_up_window_ms,
    },
    input: row.input,
    origin: row.origin as ScheduleOrigin,
    paused: Boolean(row.paused),
    nextSlotAt: row.next_slot_at,
    nextFireAt: row.next_fire_at,
    bufferedSlotAt: row.buffered_slot_at,
    lastSlotAt: row.last_slot_at,
    lastRunId: row.last_run_id,
    claim:
      row.claim_owner === null || row.claim_expires_at === null
        ? null
        : { owner: row.claim_owner, expiresAt: row.claim_expires_at },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
