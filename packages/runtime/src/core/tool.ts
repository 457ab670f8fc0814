import type { z } from 'zod';

import { InvalidArgumentError } from './errors.js';
import type { Logger } from './logger.js';
import { resolveStepPolicy, TOOL_DEFAULTS, type StepPolicy, type StepPolicyOptions } from './step-policy.js';

const TOOL_BRAND = Symbol.for('vigil.tool');
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** What a tool's `run` receives beside its input. */
export interface ToolCallContext {
  /** `<runId>:<seq>`: the same on every attempt and after a crash. Pass it to the system you call. */
  readonly idempotencyKey: string;
  /** Aborted when the attempt times out, the run is cancelled or the worker loses the run. */
  readonly signal: AbortSignal;
  /** 1 on the first attempt. */
  readonly attempt: number;
  readonly log: Logger;
  /**
   * Reports what this attempt actually cost, USD: settled in the spend ledger instead of the
   * tool's declared `cost`. Report 0 from a failure that cost nothing; a failed attempt that
   * reports nothing is settled at its estimate.
   */
  readonly reportCost: (usd: number) => void;
}

/** USD per call: a number, or a function of the (parsed) arguments that returns one. */
export type ToolCost<Input> = number | ((input: Input) => number);

/** What `verify` reports about an at-most-once call whose outcome is unknown after a crash. */
export type VerifyResult<Output> = { happened: true; output: Output } | { happened: false };

export interface ToolOptions<InputSchema extends z.ZodType, OutputSchema extends z.ZodType> extends StepPolicyOptions<
  z.input<OutputSchema>
> {
  /** Unique name, e.g. `insurance.check`. Letters, digits, `.`, `_`, `-`, `:`. */
  name: string;
  /** Free-form version, e.g. `1.0.0`. Default `1`. */
  version?: string | number;
  description?: string;
  /** Checked before every call; a bad argument never reaches the tool. */
  input: InputSchema;
  /** Checked after every call; a bad result is a non-retryable error naming the field. */
  output: OutputSchema;
  /**
   * For `effects: 'at-most-once'`: asked after a crash (or a timeout) left an attempt's outcome
   * unknown. Without it, the run escalates instead of calling the tool again.
   */
  verify?: (input: z.output<InputSchema>, idempotencyKey: string) => Promise<VerifyResult<z.input<OutputSchema>>>;
  /**
   * What one call is expected to cost, USD (checked here: finite, ≥ 0). It is reserved against
   * the run's budgets before each attempt; the body may report the actual cost
   * (`call.reportCost`).
   */
  cost?: ToolCost<z.output<InputSchema>>;
  run: (input: z.output<InputSchema>, call: ToolCallContext) => Promise<z.input<OutputSchema>> | z.input<OutputSchema>;
}

/** A registered, versioned, typed capability with its failure policy. Create one with {@link defineTool}. */
export interface Tool<Input = unknown, Output = unknown, ParsedInput = Input> {
  readonly [TOOL_BRAND]: true;
  readonly name: string;
  readonly version: string;
  readonly description: string | undefined;
  readonly input: z.ZodType<ParsedInput, Input>;
  readonly output: z.ZodType<Output>;
  readonly policy: StepPolicy;
  /** The options as written, so a call's overrides can be applied over them. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly verify: ((input: ParsedInput, idempotencyKey: string) => Promise<VerifyResult<unknown>>) | undefined;
  /** Its declared cost per call, if any. */
  readonly cost: ToolCost<ParsedInput> | undefined;
  /** May return a value or a promise of one. */
  readonly run: (input: ParsedInput, call: ToolCallContext) => unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool = Tool<any, any, any>;

const TOOL_KEYS = new Set(['name', 'version', 'description', 'input', 'output', 'verify', 'run', 'cost']);

/**
 * Defines a tool: a typed call to the outside world with its own timeout, retries, circuit
 * breaker and degradation. Invalid policies fail here, at definition time.
 *
 * @example
 * export const checkInsurance = defineTool({
 *   name: 'insurance.check', version: '1.0.0',
 *   input: z.object({ patientId: z.string() }), output: z.object({ eligible: z.boolean() }),
 *   timeout: '10s', retry: { attempts: 5, initialDelay: '1s', maxDelay: '60s' },
 *   onExhausted: 'escalate', escalateTo: 'billing',
 *   run: (input, { idempotencyKey, signal }) => insurance.check(input, { idempotencyKey, signal }),
 * });
 */
export function defineTool<InputSchema extends z.ZodType, OutputSchema extends z.ZodType>(
  options: ToolOptions<InputSchema, OutputSchema>,
): Tool<z.input<InputSchema>, z.output<OutputSchema>, z.output<InputSchema>> {
  if (typeof options?.name !== 'string' || !NAME.test(options.name)) {
    throw new InvalidArgumentError(
      `Tool name ${JSON.stringify(options?.name)} is invalid: use 1–128 letters, digits, '.', '_', '-' or ':'`,
    );
  }
  const where = `Tool ${options.name}`;
  for (const schema of ['input', 'output'] as const) {
    if (typeof options[schema]?.safeParse !== 'function') {
      throw new InvalidArgumentError(`${where}: ${schema} must be a zod schema`);
    }
  }
  if (typeof options.run !== 'function') throw new InvalidArgumentError(`${where}: run must be a function`);
  if (options.verify !== undefined && typeof options.verify !== 'function') {
    throw new InvalidArgumentError(`${where}: verify must be a function`);
  }
  checkCost(options.cost, where);
  const version = String(options.version ?? '1');
  if (version.trim() === '' || version.length > 64) {
    throw new InvalidArgumentError(`${where}: version must be 1–64 characters`);
  }
  // A fallback may also come with each call, so a missing one is checked at the call.
  const policy = resolveStepPolicy(options as unknown as Record<string, unknown>, TOOL_DEFAULTS, where, TOOL_KEYS);
  const policyOptions = Object.fromEntries(Object.entries(options).filter(([key]) => !TOOL_KEYS.has(key)));
  return Object.freeze({
    [TOOL_BRAND]: true as const,
    name: options.name,
    version,
    description: options.description,
    input: options.input as z.ZodType<z.output<InputSchema>, z.input<InputSchema>>,
    output: options.output as z.ZodType<z.output<OutputSchema>>,
    policy,
    options: Object.freeze(policyOptions),
    verify: options.verify,
    cost: options.cost,
    run: options.run,
  });
}

function checkCost(cost: unknown, where: string): void {
  if (cost === undefined || typeof cost === 'function') return;
  if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
    throw new InvalidArgumentError(
      `${where}: cost must be USD per call (a finite number ≥ 0) or a function of the arguments; got ${JSON.stringify(cost)}`,
    );
  }
}

/**
 * The expected USD cost of one call with `input`: 0 without a declared cost.
 *
 * @throws InvalidArgumentError when a cost function returns something other than a finite number ≥ 0.
 */
export function expectedToolCost(tool: AnyTool, input: unknown): number {
  const cost: unknown = typeof tool.cost === 'function' ? tool.cost(input) : (tool.cost ?? 0);
  if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
    throw new InvalidArgumentError(
      `Tool ${tool.name}: cost() must return USD (a finite number ≥ 0); got ${String(cost)}`,
    );
  }
  return cost;
}

/** Whether `value` is a tool made by `defineTool` (from any copy of the package). */
export function isTool(value: unknown): value is AnyTool {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TOOL_BRAND] === true;
}

/**
 * A tool that can go on without its result (`skip`, or a non-blocking escalation) needs a
 * fallback: its callers are typed to get the tool's output, and `null` is not that.
 */
export function assertFallback(policy: StepPolicy, where: string): StepPolicy {
  const continues = policy.onExhausted === 'skip' || (policy.onExhausted === 'escalate' && !policy.blocking);
  if (continues && policy.fallback === null) {
    throw new InvalidArgumentError(
      `${where}: onExhausted '${policy.onExhausted}'${policy.onExhausted === 'escalate' ? ' with blocking: false' : ''} goes on without the result, so it needs a fallback`,
    );
  }
  return policy;
}
