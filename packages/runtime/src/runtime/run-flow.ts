import { InvalidArgumentError, isVigilError } from '../core/errors.js';
import { validatePriority, type FlowControl } from '../core/flow-control.js';
import type { NewRunFlow } from '../store/run-store.js';

/** Longest concurrency or rate-limit key, in UTF-8 bytes: keys are indexed. */
export const MAX_FLOW_KEY_BYTES = 256;

/**
 * The priority and limits of a new run of a workflow, from its definition and parsed input: the
 * key functions run here, before anything is written. `priority` given per start wins over the
 * workflow's.
 *
 * @throws InvalidArgumentError when a key or priority function throws or returns something unusable.
 */
export function runFlowOf<Input>(
  workflow: { name: string; flow: FlowControl<Input> },
  input: Input,
  priority: unknown,
): { priority: number; flow: NewRunFlow | null } {
  const { flow, name } = workflow;
  const chosen =
    priority !== undefined
      ? validatePriority(priority)
      : typeof flow.priority === 'function'
        ? priorityOf(flow.priority, input, name)
        : flow.priority;
  if (flow.concurrency === null && flow.keyedConcurrency === null && flow.rateLimit === null) {
    return { priority: chosen, flow: null };
  }
  const keyed = flow.keyedConcurrency;
  const rate = flow.rateLimit;
  return {
    priority: chosen,
    flow: {
      concurrency: flow.concurrency,
      keyed: keyed ? { limit: keyed.limit, key: keyOf(keyed.key, input, `${name}: concurrency key`) } : null,
      rate: rate
        ? {
            limit: rate.limit,
            periodMs: rate.periodMs,
            key: rate.key ? keyOf(rate.key, input, `${name}: rateLimit key`) : '',
          }
        : null,
    },
  };
}

/**
 * Whether `error` is a key or priority function refusing this input: the same input will always
 * be refused, so a trigger (an event) that carries it can only be skipped, like an invalid input.
 */
export function isRefusedByFlowFunction(error: unknown): boolean {
  return isVigilError(error) && error.code === 'invalid_argument' && error.path === 'input';
}

function priorityOf<Input>(fn: (input: Input) => number, input: Input, name: string): number {
  const priority = call(() => fn(input), `${name}: priority`);
  try {
    return validatePriority(priority, `Workflow ${name}: the priority function's result`);
  } catch (error) {
    // The input made the workflow's function return it: say so, as for a key.
    throw new InvalidArgumentError((error as Error).message, { path: 'input' });
  }
}

function keyOf<Input>(fn: (input: Input) => string, input: Input, what: string): string {
  const key = call(() => fn(input), what);
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidArgumentError(`Workflow ${what} must return a non-empty string; got ${describe(key)}`, {
      path: 'input',
    });
  }
  if (Buffer.byteLength(key, 'utf8') > MAX_FLOW_KEY_BYTES) {
    throw new InvalidArgumentError(`Workflow ${what} must be at most ${MAX_FLOW_KEY_BYTES} bytes`, { path: 'input' });
  }
  return key;
}

function call<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (error) {
    throw new InvalidArgumentError(
      `Workflow ${what} function threw: ${error instanceof Error ? error.message : String(error)}`,
      { path: 'input' },
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return 'an empty string';
  return value === null ? 'null' : typeof value;
}
