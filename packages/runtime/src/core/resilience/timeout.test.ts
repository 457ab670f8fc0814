import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FakeClock, settle } from '../../testing/fake-clock.js';
import { InvalidArgumentError, TimeoutError } from '../errors.js';
import { withTimeout } from './timeout.js';

/** A promise settled from outside, to play the slow callee. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Reads how a promise ended without letting a rejection escape the test. */
function outcome<T>(promise: Promise<T>): { current: { value?: T; error?: unknown; settled: boolean } } {
  const box: { current: { value?: T; error?: unknown; settled: boolean } } = { current: { settled: false } };
  promise.then(
    (value) => (box.current = { value, settled: true }),
    (error: unknown) => (box.current = { error, settled: true }),
  );
  return box;
}

describe('withTimeout', () => {
  let clock: FakeClock;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  beforeEach(() => {
    clock = new FakeClock();
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('returns the result of fn when it finishes in time, and cancels the timer', async () => {
    const result = withTimeout(clock, 10_000, new AbortController().signal, 'Step "x"', async () => 'done');
    await expect(result).resolves.toBe('done');
    expect(clock.pendingTimers).toBe(0);
  });

  it('times out at once, aborting the signal with a TimeoutError, without waiting for fn', async () => {
    const slow = deferred<string>();
    let seen: AbortSignal | undefined;
    const result = outcome(
      withTimeout(clock, 10_000, new AbortController().signal, 'Tool insurance.check', (signal) => {
        seen = signal;
        return slow.promise;
      }),
    );
    await clock.advance(9_999);
    expect(result.current.settled).toBe(false);
    expect(seen?.aborted).toBe(false);

    await clock.advance(1);
    expect(result.current.error).toBeInstanceOf(TimeoutError);
    expect((result.current.error as Error).message).toBe('Tool insurance.check timed out after 10000 ms');
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(result.current.error);
  });

  it('discards a late result or rejection of fn, which never becomes an unhandled rejection', async () => {
    const late = deferred<string>();
    const lateFailure = deferred<string>();
    const first = outcome(withTimeout(clock, 100, new AbortController().signal, 'a', () => late.promise));
    const second = outcome(withTimeout(clock, 100, new AbortController().signal, 'b', () => lateFailure.promise));
    await clock.advance(100);
    late.resolve('too late');
    lateFailure.reject(new Error('failed after the timeout'));
    await settle(10);
    expect(first.current.error).toBeInstanceOf(TimeoutError);
    expect(second.current.error).toBeInstanceOf(TimeoutError);
    expect(unhandled).toEqual([]);
  });

  it('passes on the rejection of fn, and turns a synchronous throw into a rejection', async () => {
    const signal = new AbortController().signal;
    await expect(
      withTimeout(clock, 100, signal, 'x', () => Promise.reject(new Error('remote said no'))),
    ).rejects.toThrow('remote said no');
    await expect(
      withTimeout(clock, 100, signal, 'x', () => {
        throw new Error('thrown synchronously');
      }),
    ).rejects.toThrow('thrown synchronously');
    expect(clock.pendingTimers).toBe(0);
  });

  it('accepts a synchronous result', async () => {
    await expect(withTimeout(clock, 100, new AbortController().signal, 'x', () => 42)).resolves.toBe(42);
  });

  it('propagates a parent abort to the signal with its reason, and keeps waiting for fn', async () => {
    const parent = new AbortController();
    const slow = deferred<string>();
    let seen: AbortSignal | undefined;
    const result = outcome(
      withTimeout(clock, 10_000, parent.signal, 'x', (signal) => {
        seen = signal;
        return slow.promise;
      }),
    );
    const reason = new Error('run cancelled');
    parent.abort(reason);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(reason);
    await settle();
    expect(result.current.settled).toBe(false);

    slow.resolve('stopped cleanly');
    await settle();
    expect(result.current.value).toBe('stopped cleanly');
    expect(clock.pendingTimers).toBe(0);
  });

  it('starts fn with an aborted signal when the parent is already aborted', async () => {
    const parent = new AbortController();
    parent.abort('gone');
    const reason = await withTimeout(clock, undefined, parent.signal, 'x', (signal) => signal.reason as unknown);
    expect(reason).toBe('gone');
  });

  it('without a timeout, never times out', async () => {
    const slow = deferred<string>();
    const result = outcome(withTimeout(clock, undefined, new AbortController().signal, 'x', () => slow.promise));
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(365 * 24 * 3600 * 1000);
    expect(result.current.settled).toBe(false);
    slow.resolve('eventually');
    await settle();
    expect(result.current.value).toBe('eventually');
  });

  it('stops listening to the parent once settled', async () => {
    const parent = new AbortController();
    let seen: AbortSignal | undefined;
    await withTimeout(clock, 100, parent.signal, 'x', (signal) => {
      seen = signal;
      return 'ok';
    });
    parent.abort('later');
    expect(seen?.aborted).toBe(false);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses the timeout %d', async (timeoutMs) => {
    await expect(withTimeout(clock, timeoutMs, new AbortController().signal, 'x', () => 1)).rejects.toThrow(
      InvalidArgumentError,
    );
  });
});
