/**
 * The one source of time for everything that waits, expires or schedules.
 *
 * Components take a `Clock` in their constructor instead of calling `Date.now()` or
 * `setTimeout`, so tests drive time with a `FakeClock` and the store can supply its own
 * notion of "now" (the database's clock, for PostgreSQL).
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds. If `signal` aborts first, resolves early (it never
   * rejects): callers re-check their own state after waking, so an early wake is harmless.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The reason to pass when aborting a sleep just to wake it early. An `abort()` without a reason
 * builds a DOMException with a stack trace, which is not free on a path taken per run.
 */
export const WAKE_UP: unknown = Object.freeze({ wakeUp: true });

/** Wall-clock time from the operating system. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
