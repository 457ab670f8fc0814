import type { z } from 'zod';

import { validateAgentName, validateBudget, type Budget, type BudgetOptions } from './budget.js';
import type { WorkflowContext } from './context.js';
import { InvalidArgumentError } from './errors.js';
import { validateEventMatch, validateEventName, type EventMatch } from './event-match.js';
import { validateFlowControl, type FlowControl, type FlowControlOptions } from './flow-control.js';
import { validateSchedule, type ScheduleOptions, type ScheduleSpec } from './schedule-spec.js';
import { validateStepName } from './step-identity.js';
import { validateToolAccessPolicy, type ToolAccessPolicy, type ToolAccessPolicyOptions } from './tool-access-policy.js';

const WORKFLOW_BRAND = Symbol.for('vigil.workflow');

export interface WorkflowOptions<Schema extends z.ZodType> extends FlowControlOptions<z.output<Schema>> {
  /** Unique name, e.g. `patient.discharge`. Letters, digits, `.`, `_`, `-`, `:`. */
  name: string;
  /** Positive integer, default 1. Each run is pinned to the version it started on. */
  version?: number;
  /** Validates the input before anything is written. */
  input: Schema;
  /**
   * The steps in order, for progress lines ("4/6 steps complete") and ETAs: names, or
   * `{ name, title }` to give a step a name for people ("Pharmacy coordination").
   */
  steps?: ReadonlyArray<string | { name: string; title: string }>;
  /** What people call it in progress lines and summaries, e.g. `Discharge`. Default: from the name. */
  title?: string;
  description?: string;
  /**
   * Start a run for every event of this name (whose payload fits `match`), with the payload as
   * its input. Each event starts at most one run of the workflow, however often it is delivered.
   */
  on?: {
    event: string;
    match?: EventMatch;
    /**
     * The run's idempotency key, from the payload: events that carry the same item (a webhook
     * delivery, a reconciliation sweep re-sending what it found) start one run between them.
     * Default: one run per event id.
     */
    idempotencyKey?: (payload: z.output<Schema>) => string;
  };
  /**
   * Start a run on a cron schedule, with `scheduleInput` (default `{}`) as its input. One
   * schedule per workflow; add more at run time with `POST /v1/schedules`.
   */
  schedule?: ScheduleOptions;
  /** The input of runs started by `schedule`. Default `{}`. */
  scheduleInput?: z.input<Schema>;
  /**
   * Spend limits, USD: per run (`usd`), per step (`perStepUsd`), per UTC day of its agent
   * (`perDayUsd`); `onExceeded` (default `escalate`) and a soft limit (`softAt`).
   *
   * @example
   * budget: { usd: 0.5, perStepUsd: 0.05 }
   */
  budget?: BudgetOptions;
  /**
   * The agent whose daily budget this workflow spends from. Default: the workflow's name.
   * Workflows naming the same agent share one per-day limit.
   */
  agent?: string;
  /**
   * The tool access policy: which tools runs may call, constraints on their arguments, calls
   * that need a human's approval, and rate limits per tool. A call outside it never reaches
   * the tool. Absent: any tool, any arguments.
   *
   * @example
   * policy: { tools: ['ehr.read', 'notify.send'], constraints: { 'ehr.read': { patientId: '$input.patientId' } } }
   */
  policy?: ToolAccessPolicyOptions;
}

/** A registered workflow definition. Create one with {@link defineWorkflow}. */
export interface Workflow<Input = unknown, Output = unknown, ParsedInput = Input> {
  readonly [WORKFLOW_BRAND]: true;
  readonly name: string;
  readonly version: number;
  readonly input: z.ZodType<ParsedInput, Input>;
  readonly steps: readonly string[] | undefined;
  /** People's names of declared steps, by step name. */
  readonly stepTitles: Readonly<Record<string, string>>;
  readonly title: string | undefined;
  readonly description: string | undefined;
  /** The event that starts runs of it, if any. */
  readonly on:
    | {
        readonly event: string;
        readonly match: EventMatch | null;
        readonly idempotencyKey: ((payload: ParsedInput) => string) | null;
      }
    | undefined;
  /** Its cron schedule, if it declares one, and the input of the runs the schedule starts. */
  readonly schedule: { readonly spec: ScheduleSpec; readonly input: unknown } | undefined;
  /** Concurrency limits, priority and start-rate limit. */
  readonly flow: FlowControl<ParsedInput>;
  /** Its spend limits, if it declares any. */
  readonly budget: Budget | null;
  /** The agent whose daily budget it spends from: `agent`, or its name. */
  readonly agent: string;
  /** Its tool access policy, checked; undefined when it has none. */
  readonly policy: ToolAccessPolicy | undefined;
  readonly run: (ctx: WorkflowContext, input: ParsedInput) => Promise<Output>;
}

/** Any workflow, whatever its input and output types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyWorkflow = Workflow<any, any, any>;

/** The input a caller passes to start a run of `W` (before the schema's transforms). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WorkflowInput<W extends AnyWorkflow> = W extends Workflow<infer Input, any, any> ? Input : never;

/** What a run of `W` returns. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WorkflowOutput<W extends AnyWorkflow> = W extends Workflow<any, infer Output, any> ? Output : never;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Defines a durable workflow: plain async code made of named, checkpointed steps.
 *
 * @example
 * export const discharge = defineWorkflow(
 *   { name: 'patient.discharge', version: 1, input: z.object({ patientId: z.string() }) },
 *   async (ctx, input) => {
 *     const record = await ctx.step('record', () => ehr.fetch(input.patientId));
 *     await ctx.sleep('cool-down', '10m');
 *     return { patientId: input.patientId, ward: record.ward };
 *   },
 * );
 */
export function defineWorkflow<Schema extends z.ZodType, Output>(
  options: WorkflowOptions<Schema>,
  fn: (ctx: WorkflowContext, input: z.output<Schema>) => Promise<Output>,
): Workflow<z.input<Schema>, Output, z.output<Schema>> {
  if (typeof options.name !== 'string' || !NAME.test(options.name)) {
    throw new InvalidArgumentError(
      `Workflow name ${JSON.stringify(options.name)} is invalid: use 1–128 letters, digits, '.', '_', '-' or ':'`,
    );
  }
  const version = options.version ?? 1;
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new InvalidArgumentError(`Workflow ${options.name}: version must be a positive integer; got ${version}`);
  }
  if (typeof options.input?.safeParse !== 'function') {
    throw new InvalidArgumentError(`Workflow ${options.name}: input must be a zod schema`);
  }
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError(`Workflow ${options.name}: the workflow function is missing`);
  }
  const stepTitles: Record<string, string> = {};
  const steps = options.steps?.map((step) => {
    if (typeof step === 'object' && step !== null) {
      if (typeof step.title !== 'string' || step.title.trim() === '') {
        throw new InvalidArgumentError(
          `Workflow ${options.name}: declared step ${JSON.stringify(step.name)} needs a title`,
        );
      }
      stepTitles[step.name] = step.title;
      return validateStepName(step.name, `declared step of ${options.name}`);
    }
    return validateStepName(step, `declared step of ${options.name}`);
  });
  if (options.title !== undefined && (typeof options.title !== 'string' || options.title.trim() === '')) {
    throw new InvalidArgumentError(`Workflow ${options.name}: title must be a non-empty string`);
  }
  if (steps && new Set(steps).size !== steps.length) {
    throw new InvalidArgumentError(`Workflow ${options.name}: declared steps must be unique`);
  }
  return Object.freeze({
    [WORKFLOW_BRAND]: true as const,
    name: options.name,
    version,
    input: options.input as z.ZodType<z.output<Schema>, z.input<Schema>>,
    steps: steps ? Object.freeze(steps) : undefined,
    stepTitles: Object.freeze(stepTitles),
    title: options.title,
    description: options.description,
    on: options.on
      ? Object.freeze({
          event: validateEventName(options.on.event, `Workflow ${options.name}: on.event`),
          match: validateEventMatch(options.on.match, `Workflow ${options.name}: on`),
          idempotencyKey: eventKeyFunction(options.on.idempotencyKey, options.name),
        })
      : undefined,
    schedule: options.schedule
      ? Object.freeze({
          spec: Object.freeze(validateSchedule(options.schedule, `Workflow ${options.name}: schedule`)),
          input: options.scheduleInput ?? {},
        })
      : undefined,
    flow: Object.freeze(validateFlowControl(options, `Workflow ${options.name}`)),
    budget: validateBudget(options.budget, `Workflow ${options.name}`),
    agent:
      options.agent === undefined ? options.name : validateAgentName(options.agent, `Workflow ${options.name}: agent`),
    policy:
      options.policy === undefined ? undefined : validateToolAccessPolicy(options.policy, `Workflow ${options.name}`),
    run: fn,
  });
}

function eventKeyFunction<T>(
  key: ((payload: T) => string) | undefined,
  workflow: string,
): ((payload: T) => string) | null {
  if (key === undefined) return null;
  if (typeof key !== 'function') {
    throw new InvalidArgumentError(`Workflow ${workflow}: on.idempotencyKey must be a function of the payload`);
  }
  return key;
}

/** Whether `value` is a workflow made by `defineWorkflow` (from any copy of the package). */
export function isWorkflow(value: unknown): value is AnyWorkflow {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[WORKFLOW_BRAND] === true;
}
