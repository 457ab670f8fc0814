import type { ScheduleSpec } from '../core/schedule-spec.js';

/** Where a schedule comes from: a workflow's `schedule` option, or `POST /v1/schedules`. */
export type ScheduleOrigin = 'workflow' | 'api';

/** A schedule to store. Its first slot is computed by the caller, from the spec and `now`. */
export interface NewSchedule {
  id: string;
  workflow: string;
  spec: ScheduleSpec;
  /** The input of the runs it starts, as JSON text. */
  input: string;
  origin: ScheduleOrigin;
  /** The first slot after `now`; null if the expression never fires again. */
  nextSlotAt: number | null;
  /** `nextSlotAt` plus that slot's jitter: when it is due. */
  nextFireAt: number | null;
  now: number;
}

/** A stored schedule with where it stands. Times are epoch milliseconds. */
export interface ScheduleRecord {
  id: string;
  workflow: string;
  spec: ScheduleSpec;
  input: string;
  origin: ScheduleOrigin;
  paused: boolean;
  /** The first slot not handled yet; null once the expression never fires again. */
  nextSlotAt: number | null;
  nextFireAt: number | null;
  /** With `overlap: 'buffer-one'`: a slot held back until the previous run finishes. */
  bufferedSlotAt: number | null;
  /** The last slot that started a run, and that run. */
  lastSlotAt: number | null;
  lastRunId: string | null;
  /** The scheduler process working on it, until `expiresAt`. */
  claim: { owner: string; expiresAt: number } | null;
  createdAt: number;
  updatedAt: number;
}

export interface ScheduleFilter {
  workflow?: string;
  /** Only schedules listed after this one (newest first): the page cursor. */
  before?: { createdAt: number; id: string };
  limit: number;
}

export interface ScheduleClaimRequest {
  owner: string;
  now: number;
  /** How long the claim hides the schedules from other schedulers. */
  leaseMs: number;
  limit: number;
  /** Only schedules of these workflows: a scheduler claims only what it can start. */
  workflows: readonly string[];
}

/** Where a claimed schedule stands after its scheduler handled its due slots. */
export interface ScheduleRelease {
  id: string;
  owner: string;
  now: number;
  nextSlotAt: number | null;
  nextFireAt: number | null;
  bufferedSlotAt: number | null;
  lastSlotAt: number | null;
  lastRunId: string | null;
}

/**
 * The schedules aggregate: cron schedules and the claims under which scheduler processes fire
 * their slots. Which run a slot starts is decided elsewhere (its idempotency key); a claim only
 * keeps two schedulers from doing the same work at once.
 */
export interface ScheduleStore {
  /** @throws ConflictError `schedule_exists` when the id is taken. */
  create(schedule: NewSchedule): Promise<ScheduleRecord>;
  /**
   * Inserts or updates a schedule declared by a workflow (`origin: 'workflow'`). An unchanged
   * declaration changes nothing (`changed: false`), so the next slot, the pause and the claim
   * stay. A changed cron, time zone or jitter takes the new `nextSlotAt` and drops the buffered
   * slot and the claim; other changes (input, overlap, catch-up) keep the next slot. A schedule
   * with the id added through the API is left as it is and returned.
   */
  upsertDeclared(schedule: NewSchedule): Promise<{ schedule: ScheduleRecord; changed: boolean }>;
  get(id: string): Promise<ScheduleRecord | null>;
  /** Newest first. */
  list(filter: ScheduleFilter): Promise<ScheduleRecord[]>;
  /**
   * Pauses it: it is never claimed while paused. Drops the buffered slot and the claim (a
   * scheduler still working on it cannot release it). Pausing a paused schedule changes nothing.
   * Null when there is no such schedule.
   */
  pause(id: string, now: number): Promise<ScheduleRecord | null>;
  /**
   * Resumes a paused schedule at `next`, computed from now by the caller: the slots of the pause
   * are not caught up. Resuming a running schedule changes nothing. Null when there is none.
   */
  resume(
    id: string,
    next: { nextSlotAt: number | null; nextFireAt: number | null },
    now: number,
  ): Promise<ScheduleRecord | null>;
  /** Removes it if it has this origin. Whether it did. */
  remove(id: string, origin: ScheduleOrigin): Promise<boolean>;
  /**
   * Claims up to `limit` schedules that are not paused, not claimed (or whose claim expired),
   * of the given workflows, and due: `nextFireAt <= now`, or a buffered slot waiting whose last
   * run has finished (or does not exist). Two callers never get the same schedule while its
   * claim lasts.
   */
  claimDue(request: ScheduleClaimRequest): Promise<ScheduleRecord[]>;
  /**
   * Writes where the schedule stands and drops the claim, if `owner` still holds it. False when
   * it does not (the claim expired and another scheduler took it, or the schedule was paused,
   * changed or removed meanwhile): nothing is written then.
   */
  release(release: ScheduleRelease): Promise<boolean>;
}
