/**
 * Named failpoints: the exact windows where a crash matters. Production code calls
 * `failpoints.hit(name)` at each one; it does nothing unless a test armed it (in process, or
 * in a child process through `VIGIL_FAILPOINTS`), typically to SIGKILL the process right there.
 */
export const FAILPOINT_NAMES = [
  /** A trigger's run (and its `run.created` entry) is committed; the trigger has not answered yet. */
  'run.after-create',
  /** A call's expected cost is reserved; its step's "started" record is not committed yet. */
  'budget.after-reserve',
  /** A step's "started" record is committed; its body has not run yet. */
  'step.before-body',
  /** A step's body has returned or thrown; its outcome is not committed yet. */
  'step.after-body',
  /** A step's outcome is committed; the workflow has not continued yet. */
  'step.after-commit',
  /** The workflow function returned; the run's final status is not committed yet. */
  'run.before-finish',
  /** A worker's claim is committed; the run has not started executing. */
  'worker.after-claim',
  /** A schedule's slot started its run; the schedule is not released yet (its next slot not stored). */
  'schedule.after-fire',
] as const;

export type FailpointName = (typeof FAILPOINT_NAMES)[number];

/** Where a failpoint fired, for filters and for what the test prints. */
export interface FailpointSite {
  runId: string;
  step?: string;
  seq?: number;
  scheduleId?: string;
}

export interface Failpoints {
  /** False when nothing is armed, so the hot path skips the call entirely. */
  readonly armed: boolean;
  hit(name: FailpointName, site: FailpointSite): Promise<void>;
}

export const noFailpoints: Failpoints = {
  armed: false,
  hit: () => Promise.resolve(),
};
