import { randomUUID } from 'node:crypto';

import type {
  EscalateOptions,
  EscalationOutcome,
  EventWaitResult,
  StepContext,
  StepOptions,
  ToolCallOptions,
  WaitForEventOptions,
  WorkflowContext,
} from '../core/context.js';
import { validateEventMatch, validateEventName } from '../core/event-match.js';
import { parseDuration, type Duration } from '../core/duration.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { validateStepName } from '../core/step-identity.js';
import type { Tool } from '../core/tool.js';
import type { AnyWorkflow } from '../core/workflow.js';
import type { RunExecution } from './run-execution.js';
import { stepCall, toolCall } from './policy-calls.js';

/**
 * The `ctx` a workflow function receives. It validates arguments and assigns each call its
 * sequence number synchronously, in call order, so steps started together (`Promise.all`)
 * get the same numbers on every replay; the execution does the rest.
 */
export class ExecutionContext implements WorkflowContext {
  readonly runId: string;
  readonly workflow: { readonly name: string; readonly version: number };
  readonly log: Logger;

  constructor(
    private readonly execution: RunExecution,
    workflow: AnyWorkflow,
    readonly attempt: number,
  ) {
    this.runId = execution.runId;
    this.workflow = { name: workflow.name, version: workflow.version };
    this.log = replaySilenced(execution.log, () => execution.replaying);
  }

  step<T>(name: string, fn: (step: StepContext) => T | Promise<T>, options: StepOptions<T> = {}): Promise<T> {
    validateStepName(name);
    if (typeof fn !== 'function') {
      throw new InvalidArgumentError(`ctx.step("${name}") needs a function as its second argument`);
    }
    const build = stepCall(name, fn, options, this.execution.deps.maxPayloadBytes);
    return this.execution.policyStep<T>(name, 'step', build);
  }

  tool<Input, Output, Parsed>(
    tool: Tool<Input, Output, Parsed>,
    args: Input,
    overrides: ToolCallOptions<Output> = {},
  ): Promise<Output> {
    const name = validateStepName(overrides.name ?? tool?.name, 'tool call name');
    const build = toolCall(
      tool as unknown as Tool<unknown, unknown, unknown>,
      args,
      overrides,
      this.execution.deps.maxPayloadBytes,
    );
    return this.execution.policyStep<Output>(name, 'tool', build);
  }

  escalate<T = unknown>(options: EscalateOptions): Promise<EscalationOutcome<T>> {
    const name = validateStepName(options?.name ?? 'escalation', 'escalation name');
    if (typeof options.reason !== 'string' || options.reason.trim() === '') {
      throw new InvalidArgumentError(`ctx.escalate("${name}") needs a reason`);
    }
    if (options.timeout !== undefined) parseDuration(options.timeout, `ctx.escalate("${name}") timeout`);
    if (options.onTimeout !== undefined && options.onTimeout !== 'skip' && options.onTimeout !== 'abort') {
      throw new InvalidArgumentError(`ctx.escalate("${name}"): onTimeout must be skip or abort`);
    }
    return this.execution.escalate<EscalationOutcome<T>>(name, options);
  }

  waitForEvent<T = unknown>(name: string, options: WaitForEventOptions = {}): Promise<EventWaitResult<T>> {
    const event = validateEventName(name, 'ctx.waitForEvent event name');
    const stepName = validateStepName(options.name ?? event, 'wait name');
    const what = `ctx.waitForEvent("${stepName}")`;
    return this.execution.waitForEvent<EventWaitResult<T>>(stepName, {
      name: event,
      match: validateEventMatch(options.match, what),
      timeoutMs: options.timeout === undefined ? undefined : parseDuration(options.timeout, `${what} timeout`),
      lookbackMs: parseDuration(options.lookback ?? '1h', `${what} lookback`),
    });
  }

  sleep(name: string, duration: Duration): Promise<void> {
    validateStepName(name, 'sleep name');
    const ms = parseDuration(duration, `ctx.sleep("${name}") duration`);
    return this.execution.sleepUntil(name, () => this.execution.clockNow() + ms);
  }

  sleepUntil(name: string, until: Date | number | string): Promise<void> {
    validateStepName(name, 'sleep name');
    const at = until instanceof Date ? until.getTime() : typeof until === 'string' ? Date.parse(until) : until;
    if (!Number.isFinite(at)) {
      throw new InvalidArgumentError(`ctx.sleepUntil("${name}") needs a valid date; got ${String(until)}`);
    }
    return this.execution.sleepUntil(name, () => at);
  }

  now(): number {
    return this.execution.journalValue('now', () => this.execution.clockNow());
  }

  random(): number {
    return this.execution.journalValue('random', Math.random);
  }

  uuid(): string {
    return this.execution.journalValue('uuid', randomUUID);
  }
}

/** A logger that drops lines while the workflow replays history, so each line appears once. */
function replaySilenced(logger: Logger, replaying: () => boolean): Logger {
  const guard =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (!replaying()) logger[level](message, fields);
    };
  return {
    debug: guard('debug'),
    info: guard('info'),
    warn: guard('warn'),
    error: guard('error'),
    child: (bindings) => replaySilenced(logger.child(bindings), replaying),
  };
}
