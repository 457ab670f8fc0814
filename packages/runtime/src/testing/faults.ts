import { createHash } from 'node:crypto';

import { systemClock, type Clock } from '../core/clock.js';
import { parseDuration, type Duration } from '../core/duration.js';
import { InvalidArgumentError, NonRetryableError, RetryableError } from '../core/errors.js';
import { defineTool, type Tool, type ToolCallContext } from '../core/tool.js';

/**
 * Fault injection for tools, for tests, examples and chaos runs: wrappers that return a tool
 * with the same name, version, schemas and policy whose `run` fails, slows down, hangs or is
 * down as configured. Random faults are deterministic: whether attempt N of the call with
 * idempotency key K fails depends only on (seed, K, N), so a test can compute the expected
 * outcome of every run with {@link faultRoll}.
 *
 * @example
 * const flakyInsurance = faults.flaky(checkInsurance, { rate: 0.1 });
 * const slowPharmacy = faults.latency(pharmacyOrder, '12s');
 */
export const faults = {
  /** Fails with probability `rate` per attempt (a `RetryableError`, code `injected_fault`). */
  flaky<I, O, P>(tool: Tool<I, O, P>, options: { rate: number; seed?: string }): Tool<I, O, P> {
    const rate = checkRate(options.rate);
    const seed = options.seed ?? tool.name;
    return wrap(tool, (run) => (input, call) => {
      if (faultRoll(seed, call.idempotencyKey, call.attempt) < rate) {
        throw new RetryableError(`Injected fault in ${tool.name} (attempt ${call.attempt})`, {
          code: 'injected_fault',
        });
      }
      return run(input, call);
    });
  },

  /** Fails every attempt of calls whose input matches `when` (a permanent, non-retryable fault). */
  failing<I, O, P>(
    tool: Tool<I, O, P>,
    options: { when?: (input: P) => boolean; retryable?: boolean } = {},
  ): Tool<I, O, P> {
    return wrap(tool, (run) => (input, call) => {
      if (options.when && !options.when(input)) return run(input, call);
      const message = `Injected permanent fault in ${tool.name}`;
      throw options.retryable
        ? new RetryableError(message, { code: 'injected_fault' })
        : new NonRetryableError(message, { code: 'injected_fault' });
    });
  },

  /** Waits `delay` (abortable by the call's signal) before each call. */
  latency<I, O, P>(tool: Tool<I, O, P>, delay: Duration, clock: Clock = systemClock): Tool<I, O, P> {
    const ms = parseDuration(delay, `faults.latency(${tool.name})`);
    return wrap(tool, (run) => async (input, call) => {
      await clock.sleep(ms, call.signal);
      call.signal.throwIfAborted();
      return run(input, call);
    });
  },

  /** Never answers: each call waits until its signal aborts (its timeout fires), then fails. */
  hang<I, O, P>(tool: Tool<I, O, P>): Tool<I, O, P> {
    return wrap(
      tool,
      () => (_input, call) =>
        new Promise<never>((_resolve, reject) => {
          const fail = (): void =>
            reject(call.signal.reason instanceof Error ? call.signal.reason : new Error('aborted'));
          if (call.signal.aborted) fail();
          else call.signal.addEventListener('abort', fail, { once: true });
        }),
    );
  },

  /**
   * Hard down from `from` until `until` (epoch ms; default: from now, for `for`): every call in
   * that period fails with an HTTP-503-like error, as a crashed service would answer.
   */
  down<I, O, P>(
    tool: Tool<I, O, P>,
    period: { from?: number; until?: number; for?: Duration },
    clock: Clock = systemClock,
  ): Tool<I, O, P> {
    const from = period.from ?? clock.now();
    const until =
      period.until ?? (period.for === undefined ? Infinity : from + parseDuration(period.for, 'faults.down for'));
    return wrap(tool, (run) => (input, call) => {
      const now = clock.now();
      if (now >= from && now < until) {
        throw Object.assign(new Error(`Injected outage: ${tool.name} is down`), {
          code: 'injected_outage',
          status: 503,
        });
      }
      return run(input, call);
    });
  },

  /** Answers HTTP 429 with `Retry-After: <seconds>` with probability `rate` per attempt. */
  rateLimited<I, O, P>(
    tool: Tool<I, O, P>,
    options: { rate: number; retryAfterSeconds: number; seed?: string },
  ): Tool<I, O, P> {
    const rate = checkRate(options.rate);
    const seed = options.seed ?? `${tool.name}:429`;
    return wrap(tool, (run) => (input, call) => {
      if (faultRoll(seed, call.idempotencyKey, call.attempt) < rate) {
        throw Object.assign(new Error(`Injected rate limit on ${tool.name}`), {
          code: 'injected_rate_limit',
          status: 429,
          headers: { 'retry-after': String(options.retryAfterSeconds) },
        });
      }
      return run(input, call);
    });
  },
};

/** A number in [0, 1) fixed by (seed, idempotency key, attempt): the dice behind `flaky`. */
export function faultRoll(seed: string, idempotencyKey: string, attempt: number): number {
  const digest = createHash('sha256').update(`${seed}\u0000${idempotencyKey}\u0000${attempt}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

type Run<I, O> = (input: I, call: ToolCallContext) => Promise<O> | O;

function wrap<I, O, P>(tool: Tool<I, O, P>, around: (run: Run<P, unknown>) => Run<P, unknown>): Tool<I, O, P> {
  const run = around((input, call) => tool.run(input, call));
  return defineTool({
    ...(tool.options as object),
    name: tool.name,
    version: tool.version,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    input: tool.input,
    output: tool.output,
    ...(tool.verify === undefined ? {} : { verify: tool.verify }),
    run,
  } as Parameters<typeof defineTool>[0]) as unknown as Tool<I, O, P>;
}

function checkRate(rate: number): number {
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
    throw new InvalidArgumentError(`A fault rate must be a number from 0 to 1; got ${rate}`);
  }
  return rate;
}
