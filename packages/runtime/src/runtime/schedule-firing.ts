import { ConflictError, ValidationError, isVigilError, toErrorRecord } from '../core/errors.js';
import type { Failpoints } from '../core/failpoints.js';
import type { Logger } from '../core/logger.js';
import { isTerminalStatus } from '../core/run-status.js';
import { slotIdempotencyKey } from '../core/schedule-spec.js';
import type { ScheduleRecord, ScheduleRelease } from '../store/schedule-store.js';
import type { Store } from '../store/store.js';
import type { StartResult, VigilClient } from './client.js';
import type { RuntimeEvents } from './events.js';
import { fireTime, planSlots } from './schedule-plan.js';

export interface FiringDeps {
  store: Store;
  runs: VigilClient;
  events: RuntimeEvents;
  logger: Logger;
  failpoints: Failpoints;
}

/** Where a schedule stands after a pass, to release it with; `more` when due slots remain. */
export type FiringOutcome = Omit<ScheduleRelease, 'id' | 'owner' | 'now'> & { more: boolean };

type Fired = { kind: 'fired'; runId: string; unfinished: boolean } | { kind: 'dropped' } | { kind: 'retry' };

/**
 * Fires the due slots of a claimed schedule: its catch-up policy picks the slots
 * ({@link planSlots}), its overlap policy decides on each against the schedule's last run:
 *
 * - `skip`: a slot due while the last run is unfinished starts nothing;
 * - `buffer-one`: such a slot is held (the latest one wins) and fires once the run finished;
 * - `allow`: every slot starts a run.
 *
 * A slot starts its run under the key `schedule:<id>:<slot ISO>`: whichever scheduler fires it,
 * however often (a process that died before releasing the schedule, a claim that expired
 * mid-pass), it is one run. A run that could not be started (the database is unreachable)
 * stays the schedule's next slot, for the next pass.
 */
export async function fireDueSlots(deps: FiringDeps, schedule: ScheduleRecord, now: number): Promise<FiringOutcome> {
  const { id, spec } = schedule;
  const plan = planSlots(schedule, now);
  const state = {
    nextSlotAt: plan.next,
    bufferedSlotAt: schedule.bufferedSlotAt,
    lastSlotAt: schedule.lastSlotAt,
    lastRunId: schedule.lastRunId,
  };
  const outcome = (more: boolean): FiringOutcome => ({
    ...state,
    nextFireAt: fireTime(id, spec, state.nextSlotAt),
    more,
  });
  if (plan.late !== null) {
    deps.events.emit('schedule.skipped', { scheduleId: id, slot: plan.late, reason: 'late' });
    deps.logger.info('schedule slots missed: too late for the catch-up policy', {
      scheduleId: id,
      latestMissed: new Date(plan.late).toISOString(),
      catchUp: spec.catchUp,
    });
  }
  const buffered = schedule.bufferedSlotAt;
  const slots = [...(buffered === null ? [] : [{ slot: buffered, buffered: true }])];
  for (const slot of plan.fire) slots.push({ slot, buffered: false });
  if (slots.length === 0) return outcome(plan.more);

  let unfinished = spec.overlap !== 'allow' && (await isUnfinished(deps.store, schedule.lastRunId));
  for (const { slot, buffered: isBuffered } of slots) {
    if (unfinished && spec.overlap !== 'allow') {
      if (spec.overlap === 'buffer-one' && !isBuffered) {
        // One slot is held: a newer one takes the place of the one held before it.
        if (state.bufferedSlotAt !== null && state.bufferedSlotAt !== slot) skipped(deps, id, state.bufferedSlotAt);
        state.bufferedSlotAt = slot;
      } else if (spec.overlap === 'skip') {
        skipped(deps, id, slot);
        // A slot held under an earlier `buffer-one` is dropped like any other.
        if (isBuffered) state.bufferedSlotAt = null;
      }
      continue;
    }
    const fired = await fireSlot(deps, schedule, slot);
    if (fired.kind === 'retry') {
      // This slot and those after it wait for the next pass; a held slot stays held.
      if (!isBuffered) state.nextSlotAt = slot;
      else state.nextSlotAt = schedule.nextSlotAt;
      return outcome(false);
    }
    if (isBuffered) state.bufferedSlotAt = null;
    if (fired.kind === 'fired') {
      state.lastSlotAt = slot;
      state.lastRunId = fired.runId;
      unfinished = fired.unfinished;
    }
  }
  return outcome(plan.more);
}

async function fireSlot(deps: FiringDeps, schedule: ScheduleRecord, slot: number): Promise<Fired> {
  const fields = { scheduleId: schedule.id, slot: new Date(slot).toISOString() };
  let run: StartResult;
  try {
    run = await deps.runs.start(schedule.workflow, JSON.parse(schedule.input) as unknown, {
      idempotencyKey: slotIdempotencyKey(schedule.id, slot),
      principal: `schedule:${schedule.id}`,
    });
  } catch (error) {
    // The slot's key holds a run started with the input the schedule had before it changed.
    const existing = ConflictError.is(error) && error.code === 'idempotency_conflict' && error.details?.['runId'];
    if (typeof existing === 'string') {
      return { kind: 'fired', runId: existing, unfinished: await isUnfinished(deps.store, existing) };
    }
    const record = toErrorRecord(error);
    if (isUnusableInput(error)) {
      deps.logger.error('a schedule slot could not start its run: the schedule input does not fit the workflow', {
        ...fields,
        workflow: schedule.workflow,
        error: record.message,
      });
      return { kind: 'dropped' };
    }
    deps.logger.error('a schedule slot could not start its run; the next pass tries again', {
      ...fields,
      error: record.message,
    });
    return { kind: 'retry' };
  }
  deps.events.emit('schedule.fired', {
    scheduleId: schedule.id,
    workflow: schedule.workflow,
    slot,
    runId: run.id,
    created: run.created,
  });
  deps.logger.debug('schedule fired', { ...fields, runId: run.id, created: run.created });
  // A crash here leaves the schedule claimed at this slot: whoever fires it next finds this run.
  if (deps.failpoints.armed)
    await deps.failpoints.hit('schedule.after-fire', { runId: run.id, scheduleId: schedule.id });
  return { kind: 'fired', runId: run.id, unfinished: !isTerminalStatus(run.status) };
}

function skipped(deps: FiringDeps, scheduleId: string, slot: number): void {
  deps.events.emit('schedule.skipped', { scheduleId, slot, reason: 'overlap' });
  deps.logger.debug('schedule slot skipped: the previous run is still going', {
    scheduleId,
    slot: new Date(slot).toISOString(),
  });
}

/** Whether the run exists and has not finished. */
async function isUnfinished(store: Store, runId: string | null): Promise<boolean> {
  if (runId === null) return false;
  const run = await store.runs.get(runId);
  return run !== null && !isTerminalStatus(run.status);
}

/** The workflow refuses the schedule's input: every try of the slot would fail alike. */
function isUnusableInput(error: unknown): boolean {
  return (
    ValidationError.is(error) ||
    (isVigilError(error) && ['invalid_argument', 'not_serializable', 'payload_too_large'].includes(error.code))
  );
}
