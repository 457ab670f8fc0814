import type { Duration } from './duration.js';
import type { Logger } from './logger.js';

/**
 * What a workflow function receives. Every method is journaled: on replay after a crash or a
 * suspension, completed steps return their recorded results instead of running again.
 *
 * Code between steps must be deterministic: read time and randomness through `ctx.now()`,
 * `ctx.random()` and `ctx.uuid()`, and do I/O only inside steps.
 */
export interface WorkflowContext {
  /** The id of this run. */
  readonly runId: string;
  /** The workflow and the version this run is pinned to. */
  readonly workflow: { readonly name: string; readonly version: number };
  /**
   * How many times a worker has started executing this run: 1 on the first execution, then
   * one more after every crash, suspension (sleep) or hand-back.
   */
  readonly attempt: number;
  /** A logger bound to this run; silent while replaying history, so each line appears once. */
  readonly log: Logger;

  /**
   * Runs `fn` once and checkpoints its result. Its "started" record is committed before `fn`
   * runs and its outcome after, fenced by this worker's lease. The result must be
   * JSON-serialisable (plain objects, arrays, strings, finite numbers, booleans, null) and at
   * most 2 MiB unless `options.maxResultBytes` says otherwise.
   *
   * A step that throws is recorded as failed and `ctx.step` rejects with `StepFailedError`.
   *
   * @example
   * const record = await ctx.step('fetch-record', ({ idempotencyKey }) =>
   *   ehr.fetch(input.patientId, { idempotencyKey }),
   * );
   */
  step<T>(name: string, fn: (step: StepContext) => T | Promise<T>, options?: StepOptions): Promise<T>;

  /** Sleeps durably: the run is released and resumes on any worker once `duration` has passed. */
  sleep(name: string, duration: Duration): Promise<void>;

  /** Sleeps durably until `until` (a Date, epoch milliseconds or an ISO 8601 string). */
  sleepUntil(name: string, until: Date | number | string): Promise<void>;

  /** The current time in epoch milliseconds, recorded the first time so replay sees the same value. */
  now(): number;

  /** A random number in [0, 1), recorded so replay sees the same value. */
  random(): number;

  /** A random UUID (v4), recorded so replay sees the same value. */
  uuid(): string;
}

/** What a step's body receives. */
export interface StepContext {
  readonly runId: string;
  readonly stepName: string;
  /** The step's sequence number in the run (1-based, assigned in call order). */
  readonly seq: number;
  /** `<runId>:<seq>`: the same on every attempt and after a crash. Hand it to external systems. */
  readonly idempotencyKey: string;
  /** 1 on the first attempt; 2 if a previous attempt was in flight when its worker died. */
  readonly attempt: number;
  /** Aborted when this worker loses the run (lease lost, cancelled, shutting down). */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

export interface StepOptions {
  /** Upper bound for the JSON of this step's result. Default 2 MiB. */
  maxResultBytes?: number;
}
