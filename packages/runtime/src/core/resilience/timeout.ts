import { WAKE_UP, type Clock } from '../clock.js';
import { InvalidArgumentError, TimeoutError } from '../errors.js';

/**
 * Runs `fn` with a signal that aborts when `parent` aborts or after `timeoutMs` (undefined = no timeout).
 * On timeout: aborts the signal with a TimeoutError and rejects with it at once, without waiting for fn;
 * a late result or rejection of fn is discarded (and must not become an unhandled rejection).
 * Uses `clock.sleep(timeoutMs, internalSignal)` for the timer so FakeClock drives it; the timer is
 * cancelled when fn settles first.
 *
 * A parent abort is passed on to the signal (with the parent's reason) but does not settle the
 * returned promise: the caller decides what a cancellation means, and `fn` reports how it stopped.
 *
 * @example
 * const page = await withTimeout(clock, 10_000, signal, 'Tool web.fetch', (s) => fetch(url, { signal: s }));
 */
export function withTimeout<T>(
  clock: Clock,
  timeoutMs: number | undefined,
  parent: AbortSignal,
  what: string,
  fn: (signal: AbortSignal) => Promise<T> | T,
): Promise<T> {
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
    return Promise.reject(
      new InvalidArgumentError(
        `${what}: timeout must be a finite, non-negative number of milliseconds; got ${timeoutMs}`,
      ),
    );
  }
  const controller = new AbortController();
  const timer = new AbortController();
  const onParentAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onParentAbort, { once: true });
  const cleanUp = (): void => {
    timer.abort(WAKE_UP);
    parent.removeEventListener('abort', onParentAbort);
  };

  // The executor turns a synchronous throw of fn into a rejection.
  const work = new Promise<T>((resolve) => resolve(fn(controller.signal)));
  if (timeoutMs === undefined) return work.finally(cleanUp);

  const timeout = new Promise<never>((_, reject) => {
    void clock.sleep(timeoutMs, timer.signal).then(() => {
      // The sleep also resolves when `timer` aborts, that is when fn settled first: this
      // promise then stays pending and is collected with the race.
      if (timer.signal.aborted) return;
      const error = new TimeoutError(what, timeoutMs);
      controller.abort(error);
      reject(error);
    });
  });
  // The race handles both outcomes of `work`, so a rejection after the timeout is dropped, not unhandled.
  return Promise.race([work, timeout]).finally(cleanUp);
}
