import { parseDuration, type Duration } from './duration.js';
import { InvalidArgumentError } from './errors.js';

/**
 * A limit on how many runs may be active at once. A run is active from its first claim until
 * it finishes, sleeps and waits included, so `{ limit: 1, key: (i) => i.patientId }` means one
 * discharge per patient at a time. Runs over the limit stay queued, in order, until a slot frees.
 */
export interface ConcurrencyLimit<Input = unknown> {
  /** Positive integer. */
  limit: number;
  /** Without a key the limit covers every run of the workflow; with one, each key value separately. */
  key?: (input: Input) => string;
}

/** At most `limit` runs start (are first claimed) per `period`; later ones wait in the queue, none is dropped. */
export interface StartRateLimit<Input = unknown> {
  limit: number;
  period: Duration;
  /** Without a key the rate covers every run of the workflow; with one, each key value separately. */
  key?: (input: Input) => string;
}

/** The flow-control options of a workflow, as `defineWorkflow` takes them. */
export interface FlowControlOptions<Input = unknown> {
  /** A number is a workflow-wide limit; give a keyed limit too as a second entry of an array. */
  concurrency?: number | ConcurrencyLimit<Input> | ReadonlyArray<ConcurrencyLimit<Input>>;
  /**
   * How many seconds (0–600) a new run jumps ahead of runs queued at the same time: the queue is
   * ordered by ready time minus priority. `StartOptions.priority` overrides it per start. Default 0.
   */
  priority?: number | ((input: Input) => number);
  rateLimit?: StartRateLimit<Input>;
}

/** Validated flow control: at most one workflow-wide and one keyed concurrency limit. */
export interface FlowControl<Input = unknown> {
  readonly concurrency: number | null;
  readonly keyedConcurrency: { readonly limit: number; readonly key: (input: Input) => string } | null;
  readonly priority: number | ((input: Input) => number);
  readonly rateLimit: {
    readonly limit: number;
    readonly periodMs: number;
    readonly key: ((input: Input) => string) | null;
  } | null;
}

export const MAX_PRIORITY_SECONDS = 600;

/** Checks a priority given per start or returned by a workflow's priority function. */
export function validatePriority(priority: unknown, what = 'priority'): number {
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY_SECONDS) {
    throw new InvalidArgumentError(
      `${what} must be an integer number of seconds from 0 to ${MAX_PRIORITY_SECONDS}; got ${String(priority)}`,
      { path: 'priority' },
    );
  }
  return priority;
}

/** @throws InvalidArgumentError naming the bad option. */
export function validateFlowControl<Input>(options: FlowControlOptions<Input>, what: string): FlowControl<Input> {
  const limits =
    options.concurrency === undefined
      ? []
      : typeof options.concurrency === 'number'
        ? [{ limit: options.concurrency }]
        : Array.isArray(options.concurrency)
          ? (options.concurrency as ReadonlyArray<ConcurrencyLimit<Input>>)
          : [options.concurrency as ConcurrencyLimit<Input>];
  let concurrency: number | null = null;
  let keyedConcurrency: FlowControl<Input>['keyedConcurrency'] = null;
  for (const entry of limits) {
    const limit = positiveInteger(entry?.limit, `${what}: concurrency limit`);
    if (entry.key === undefined) {
      if (concurrency !== null) throw new InvalidArgumentError(`${what}: only one concurrency limit without a key`);
      concurrency = limit;
    } else {
      if (typeof entry.key !== 'function') {
        throw new InvalidArgumentError(`${what}: concurrency key must be a function of the input`);
      }
      if (keyedConcurrency !== null) throw new InvalidArgumentError(`${what}: only one keyed concurrency limit`);
      keyedConcurrency = { limit, key: entry.key };
    }
  }
  const priority = options.priority ?? 0;
  if (typeof priority !== 'function') validatePriority(priority, `${what}: priority`);
  let rateLimit: FlowControl<Input>['rateLimit'] = null;
  if (options.rateLimit !== undefined) {
    const { limit, period, key } = options.rateLimit;
    if (key !== undefined && typeof key !== 'function') {
      throw new InvalidArgumentError(`${what}: rateLimit.key must be a function of the input`);
    }
    rateLimit = {
      limit: positiveInteger(limit, `${what}: rateLimit.limit`),
      periodMs: parseDuration(period, `${what}: rateLimit.period`),
      key: key ?? null,
    };
  }
  return { concurrency, keyedConcurrency, priority, rateLimit };
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${what} must be a positive integer; got ${String(value)}`);
  }
  return value;
}
