import { randomUUID } from 'node:crypto';

import type {
  EscalateOptions,
  EscalationOutcome,
  EventWaitResult,
  SendEventOptions,
  StepContext,
  StepOptions,
  ToolCallOptions,
  WaitForEventOptions,
  WorkflowContext,
} from '../core/context.js';
import type { AgentOptions, AgentResult } from '../core/agent.js';
import { validateEventMatch, validateEventName } from '../core/event-match.js';
import type { SendResult } from '../core/event-view.js';
import { parseDuration, type Duration } from '../core/duration.js';
import { InvalidArgumentError } from '../core/errors.js';
import { validateIdempotencyKey } from '../core/ids.js';
import { encodeJson } from '../core/json.js';
import type { LlmCallOptions, LlmResult } from '../core/llm-call.js';
import type { Logger } from '../core/logger.js';
import { slotOfKey } from '../core/schedule-spec.js';
import { JOURNAL_NAMES, validateStepName, type JournalKind } from '../core/step-identity.js';
import type { Tool } from '../core/tool.js';
import type { AnyWorkflow } from '../core/workflow.js';
import type { StepWrite } from '../store/checkpoint-store.js';
import { runAgent } from './agent-loop.js';
import { checkAgentOptions } from './agent-options.js';
import { runEscalationStep } from './escalation-step.js';
import { runEventWaitStep, type EventWaitSpec } from './event-wait-step.js';
import { llmCall } from './llm-step.js';
import { stepCall, toolCall } from './policy-calls.js';
import { planOf } from './corrupt-step.js';
import type { PolicyCall } from './policy-host.js';
import { PolicyStep } from './policy-step.js';
import { never, stripIntact } from './recorded-steps.js';
import type { RunExecution } from './run-execution.js';
import type { AgentSpan } from './run-tracing.js';
import { WorkflowMemory } from './workflow-memory.js';

/**
 * The `ctx` a workflow function receives. It validates arguments and assigns each call its
 * sequence number synchronously, in call order, so steps started together (`Promise.all`)
 * get the same numbers on every replay. Each call maps onto the run's history here — a
 * journaled value, a sleep, a step under its policy — and the execution keeps the lease, the
 * writes and the suspension.
 */
export class ExecutionContext implements WorkflowContext {
  readonly runId: string;
  readonly workflow: { readonly name: string; readonly version: number };
  readonly log: Logger;
  readonly scheduledAt: number | null;
  readonly attempt: number;
  readonly memory: WorkflowMemory;
  private readonly principal: string | null;

  constructor(
    private readonly execution: RunExecution,
    private readonly definition: AnyWorkflow,
    run: { attempt: number; idempotencyKey: string | null; principal: string | null },
    /** The run's input as the workflow's schema parsed it: what the tool access policy compares with. */
    private readonly input: unknown,
  ) {
    const workflow = definition;
    this.principal = run.principal;
    this.attempt = run.attempt;
    this.runId = execution.runId;
    this.workflow = { name: workflow.name, version: workflow.version };
    this.scheduledAt = slotOfKey(run.idempotencyKey);
    this.log = replaySilenced(execution.logs.workflowLogger(), () => execution.replaying);
    this.memory = new WorkflowMemory(execution, definition.agent);
  }

  step<T>(name: string, fn: (step: StepContext) => T | Promise<T>, options: StepOptions<T> = {}): Promise<T> {
    validateStepName(name);
    if (typeof fn !== 'function') {
      throw new InvalidArgumentError(`ctx.step("${name}") needs a function as its second argument`);
    }
    const build = stepCall(name, fn, options, this.execution.deps.maxPayloadBytes);
    return this.execution.runStep<T>(
      name,
      'step',
      (seq, recorded) => new PolicyStep(this.execution, build(seq), recorded).run(),
      (seq) => planOf(build(seq)),
    );
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
      { policy: this.definition.policy, input: this.input, principal: this.principal },
      this.execution.deps.runLogs.rules,
      this.execution.deps.toolFaults,
    );
    return this.execution.runStep<Output>(
      name,
      'tool',
      (seq, recorded) => new PolicyStep(this.execution, build(seq), recorded).run(),
      (seq) => planOf(build(seq)),
    );
  }

  llm<T = undefined>(options: LlmCallOptions<T>): Promise<LlmResult<T>> {
    return this.runLlm(options, undefined);
  }

  /** `ctx.llm`, its attempt spans under `agent`'s when an agent loop takes the turn. */
  private runLlm<T>(options: LlmCallOptions<T>, agent: AgentSpan | undefined): Promise<LlmResult<T>> {
    const name = validateStepName(options?.name ?? 'llm', 'LLM call name');
    const { models, prices, events, maxPayloadBytes } = this.execution.deps;
    const build = llmCall(name, options, {
      models,
      prices,
      events,
      runId: this.runId,
      maxPayloadBytes,
    });
    return this.execution.runStep<LlmResult<T>>(
      name,
      'llm',
      (seq, recorded) => new PolicyStep(this.execution, underAgent(build(seq), agent), recorded).run(),
      (seq) => planOf(build(seq)),
    );
  }

  agent(options: AgentOptions): Promise<AgentResult> {
    const spec = checkAgentOptions(options);
    const span = this.execution.trace.startAgent(spec.name);
    return runAgent(
      {
        llm: (turn) => this.runLlm(turn, span),
        callTool: (tool, args, step, reasoning) => this.agentTool(tool, args, step, reasoning, span),
        escalate: (escalation) => this.escalate(escalation),
      },
      spec,
      span,
    );
  }

  /**
   * A tool call an agent's model chose: `ctx.tool`'s call under the workflow's tool access
   * policy, except that a refusal fails the step at once (the model is told and may choose
   * again), and the model's reasoning is recorded with the policy's decision.
   */
  private agentTool(
    tool: Tool<unknown, unknown, unknown>,
    args: unknown,
    name: string,
    reasoning: string | undefined,
    agent: AgentSpan,
  ) {
    const build = toolCall(
      tool,
      args,
      { name },
      this.execution.deps.maxPayloadBytes,
      {
        policy: this.definition.policy,
        input: this.input,
        principal: this.principal,
        refusalToCaller: true,
        ...(reasoning ? { reasoning } : {}),
      },
      this.execution.deps.runLogs.rules,
      this.execution.deps.toolFaults,
    );
    return this.execution.runStep<unknown>(
      name,
      'tool',
      (seq, recorded) => new PolicyStep(this.execution, underAgent(build(seq), agent), recorded).run(),
      (seq) => planOf(build(seq)),
    );
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
    return this.execution.runStep<EscalationOutcome<T>>(name, 'escalation', (seq, recorded) =>
      runEscalationStep(this.execution, seq, name, options, recorded),
    );
  }

  waitForEvent<T = unknown>(name: string, options: WaitForEventOptions = {}): Promise<EventWaitResult<T>> {
    const event = validateEventName(name, 'ctx.waitForEvent event name');
    const stepName = validateStepName(options.name ?? event, 'wait name');
    const what = `ctx.waitForEvent("${stepName}")`;
    const spec: EventWaitSpec = {
      name: event,
      match: validateEventMatch(options.match, what),
      timeoutMs: options.timeout === undefined ? undefined : parseDuration(options.timeout, `${what} timeout`),
      lookbackMs: parseDuration(options.lookback ?? '1h', `${what} lookback`),
    };
    return this.execution.runStep<EventWaitResult<T>>(stepName, 'event', (seq, recorded) =>
      runEventWaitStep(this.execution, seq, stepName, spec, recorded),
    );
  }

  sendEvent(name: string, payload?: unknown, options: SendEventOptions = {}): Promise<SendResult> {
    const event = validateEventName(name, 'ctx.sendEvent event name');
    const stepName = validateStepName(options.name ?? `send:${event}`, 'send name');
    const id = options.id === undefined ? undefined : validateIdempotencyKey(options.id);
    const { deps } = this.execution;
    // Checked and copied now, so a bad payload fails where it is written and later changes to
    // the caller's object do not change what is sent.
    const body = JSON.parse(
      encodeJson(payload ?? {}, `ctx.sendEvent("${stepName}") payload`, deps.maxPayloadBytes),
    ) as unknown;
    const source = `run:${this.runId}`;
    return this.step(
      stepName,
      ({ idempotencyKey }) =>
        deps.sendEvent({ name: event, payload: body, id: id ?? `run:${idempotencyKey}`, source, principal: source }),
      // A store that is briefly unreachable should not fail the run; a conflict or a bad name is not retried.
      { retry: { attempts: 3 }, maxResultBytes: deps.maxPayloadBytes + SEND_RESULT_ENVELOPE_BYTES },
    );
  }

  sleep(name: string, duration: Duration): Promise<void> {
    validateStepName(name, 'sleep name');
    const ms = parseDuration(duration, `ctx.sleep("${name}") duration`);
    return this.sleepAt(name, () => this.execution.deps.clock.now() + ms);
  }

  sleepUntil(name: string, until: Date | number | string): Promise<void> {
    validateStepName(name, 'sleep name');
    const at = until instanceof Date ? until.getTime() : typeof until === 'string' ? Date.parse(until) : until;
    if (!Number.isFinite(at)) {
      throw new InvalidArgumentError(`ctx.sleepUntil("${name}") needs a valid date; got ${String(until)}`);
    }
    return this.sleepAt(name, () => at);
  }

  now(): number {
    return this.journal('now', () => this.execution.deps.clock.now());
  }

  random(): number {
    return this.journal('random', Math.random);
  }

  uuid(): string {
    return this.journal('uuid', randomUUID);
  }

  /** A journaled value (`now`, `random`, `uuid`): recorded once, replayed thereafter. */
  private journal<T>(kind: JournalKind, produce: () => T): T {
    const execution = this.execution;
    const seq = execution.takeSeq();
    const name = JOURNAL_NAMES[kind];
    const recorded = execution.lookup(seq, name, kind);
    if (recorded) return JSON.parse(recorded.output ?? 'null') as T;
    const value = produce();
    const at = execution.deps.clock.now();
    // Written with the run's next commit: until then nothing outside has seen the value.
    execution.queueRow({
      seq,
      name,
      kind,
      status: 'completed',
      attempts: 1,
      output: JSON.stringify(value),
      error: null,
      wakeAt: null,
      startedAt: at,
      endedAt: at,
    });
    return value;
  }

  /** A durable sleep: its row goes out with the suspension, and any worker wakes the run. */
  private sleepAt(name: string, wakeAtIfNew: () => number): Promise<void> {
    const execution = this.execution;
    const seq = execution.takeSeq();
    const recorded = execution.lookup(seq, name, 'sleep');
    if (recorded?.status === 'completed') return Promise.resolve();
    if (!execution.active) return never();
    const now = execution.deps.clock.now();
    const wakeAt = recorded?.wakeAt ?? wakeAtIfNew();
    const sleep: StepWrite = recorded
      ? stripIntact(recorded)
      : {
          seq,
          name,
          kind: 'sleep',
          status: 'sleeping',
          attempts: 1,
          output: null,
          error: null,
          wakeAt,
          startedAt: now,
          endedAt: null,
        };
    if (wakeAt <= now) {
      execution.queueRow(Object.assign({}, sleep, { status: 'completed' as const, endedAt: now }));
      return Promise.resolve();
    }
    if (!recorded) execution.queueRow(sleep);
    execution.trace.waiting(sleep, wakeAt, 'sleeping');
    execution.sleepUntil(wakeAt);
    return never();
  }
}

/** A call whose attempt spans nest under an agent's `invoke_agent` span (started now if not yet). */
function underAgent<C extends PolicyCall>(call: C, agent: AgentSpan | undefined): C {
  if (!agent || !call.span) return call;
  return Object.assign({}, call, { span: Object.assign({}, call.span, { parent: agent.context() }) });
}

/** Room for what `ctx.sendEvent` records around the event's payload (ids, names, runs started). */
const SEND_RESULT_ENVELOPE_BYTES = 64 * 1024;

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
