import type { AgentOptions, AgentResult } from './agent.js';
import type { Duration } from './duration.js';
import type { EventMatch } from './event-match.js';
import type { SendResult } from './event-view.js';
import type { LlmCallOptions, LlmResult } from './llm-call.js';
import type { Logger } from './logger.js';
import type { RunMemory } from './memory.js';
import type { StepPolicyOptions } from './step-policy.js';
import type { Tool, VerifyResult } from './tool.js';

/**
 * What a workflow function receives. Every method is journaled: on replay after a crash or a
 * suspension, completed steps return their recorded results instead of running again.
 *
 * Code between steps must be deterministic: read time and randomness through `ctx.now()`,
 * `ctx.random()` and `ctx.uuid()`, and do I/O only inside steps.
 */
export interface WorkflowContext {
  /** The id of this run. */
  readonly runId: string;
  /** The workflow and the version this run is pinned to. */
  readonly workflow: { readonly name: string; readonly version: number };
  /**
   * How many times a worker has started executing this run: 1 on the first execution, then
   * one more after every crash, suspension (sleep) or hand-back.
   */
  readonly attempt: number;
  /**
   * For a run a schedule started: the slot it was started for (epoch milliseconds), which after
   * downtime or with jitter is earlier than the run's start — reconcile "the hour before the
   * slot", not "the hour before now". For `vigil schedules trigger`, the moment of the trigger.
   * Null for runs started any other way.
   */
  readonly scheduledAt: number | null;
  /** A logger bound to this run; silent while replaying history, so each line appears once. */
  readonly log: Logger;
  /**
   * Durable key-value state with JSON values: this run's, and through `ctx.memory.agent()` an
   * agent's across runs. Each call is journaled: replay returns what was read or written, and a
   * write is never applied twice. Keys are non-empty strings of at most 200 characters.
   *
   * @example
   * await ctx.memory.set('cursor', { page: 3 });
   * const lastHour = await ctx.memory.agent().get<Summary>('last-summary');
   */
  readonly memory: RunMemory;

  /**
   * Runs `fn` once and checkpoints its result. Its "started" record is committed before `fn`
   * runs and its outcome after, fenced by this worker's lease. The result must be
   * JSON-serialisable (plain objects, arrays, strings, finite numbers, booleans, null) and at
   * most 2 MiB unless `options.maxResultBytes` says otherwise.
   *
   * A step that throws is retried as `options.retry` says (by default it is not), each wait a
   * durable timer; once its attempts are used up, `options.onExhausted` decides: `fail` (the
   * default) rejects with `StepFailedError`, `skip` resolves with `options.fallback`, `escalate`
   * asks a human.
   *
   * @example
   * const record = await ctx.step('fetch-record', ({ idempotencyKey }) =>
   *   ehr.fetch(input.patientId, { idempotencyKey }),
   * );
   */
  step<T>(name: string, fn: (step: StepContext) => T | Promise<T>, options?: StepOptions<T>): Promise<T>;

  /**
   * Calls a tool: checks `args` against its input schema, runs it under its failure policy
   * (with `overrides` applied) as one checkpointed step, and checks the result against its
   * output schema. The step is named after the tool unless `overrides.name` says otherwise.
   *
   * @example
   * const cover = await ctx.tool(checkInsurance, { patientId }, { name: 'insurance' });
   */
  tool<Input, Output, Parsed>(
    tool: Tool<Input, Output, Parsed>,
    args: NoInfer<Input>,
    overrides?: ToolCallOptions<Output>,
  ): Promise<Output>;

  /**
   * Asks a human. A blocking escalation (the default) suspends the run durably until someone
   * resolves it (`vigil escalations resolve`, `POST /v1/escalations/:id/resolve`) or it times
   * out; a non-blocking one returns at once and the run goes on. An `abort` decision rejects
   * with `EscalationAbortedError`, which ends the run `failed`.
   */
  escalate<T = unknown>(options: EscalateOptions): Promise<EscalationOutcome<T>>;

  /**
   * Waits durably for an event named `name` whose payload fits `options.match`, and returns it,
   * or a timeout marker once `options.timeout` has passed. An event that arrived before the
   * wait (within `options.lookback`, default 1 h) counts; each event is received at most once
   * per run, so a second wait on the same name gets the next event.
   *
   * @example
   * const ack = await ctx.waitForEvent('patient.acknowledged', { match: { patientId }, timeout: '1d' });
   * if (ack.timedOut) await ctx.escalate({ reason: 'no acknowledgement in a day' });
   */
  waitForEvent<T = unknown>(name: string, options?: WaitForEventOptions): Promise<EventWaitResult<T>>;

  /**
   * Sends an event, as `vigil.sendEvent` does, in one checkpointed step (named
   * `send:<name>` unless `options.name` says otherwise): the event is stored, then starts the
   * workflows triggered on it and wakes the runs waiting for it. Resolves with what sending did.
   *
   * The event is deduplicated on `options.id`, by default on an id made from the step's
   * idempotency key (`run:<runId>:<seq>`): a step re-run after a crash sends the same event
   * again, which is the same event (`created: false`), so nothing starts or wakes twice. A
   * transient failure is retried (3 attempts); a bad payload fails at the call.
   *
   * @example
   * // A sweep re-sends what the webhook missed; the triggered workflow's `on.idempotencyKey`
   * // makes an item the webhook did deliver start nothing new.
   * for (const request of missed) await ctx.sendEvent('guest.request', request);
   */
  sendEvent(name: string, payload?: unknown, options?: SendEventOptions): Promise<SendResult>;

  /**
   * Calls a language model as one checkpointed step (named `llm` unless `options.name` says
   * otherwise): a completed call is never made again on replay. Its expected cost is reserved
   * against the budgets before each attempt and what it cost settled after (the ledger, the
   * step's detail and `spend.recorded` get model, tokens, cost and latency); its text streams to
   * `llm.token` events while it runs.
   *
   * @example
   * const { text } = await ctx.llm({
   *   system: 'You write discharge summaries for patients.',
   *   prompt: `Summarise: ${JSON.stringify(record)}`,
   *   fallback: (error) => template(record),
   * });
   */
  llm<T = undefined>(options: LlmCallOptions<T>): Promise<LlmResult<T>>;

  /**
   * Lets a model work towards `goal` with `tools`: a durable tool loop. Each model turn is an
   * LLM step (`<name>:turn-<n>`) and each tool call the model makes a tool step
   * (`<name>:<tool>`), so after a crash the loop resumes at the next step with the conversation
   * rebuilt from checkpoints, and no completed model call or tool call is made again. The calls
   * go through the workflow's tool access policy, approvals, rate limits, breakers and retries
   * as `ctx.tool`'s do; a call the policy denies (or a human rejects) is not run, and the model
   * is told why. The model's stated reasoning is recorded with each call it makes. Guards:
   * `maxTurns`, `budget`, `maxIdenticalCalls` and `stopWhen`.
   *
   * @example
   * const found = await ctx.agent({
   *   system: 'You investigate ledger mismatches with read-only tools.',
   *   goal: `Explain why ${entryId} does not match the bank`,
   *   tools: [ledgerLookup, bankLookup],
   *   maxTurns: 8,
   *   budget: { usd: 0.25 },
   * });
   */
  agent(options: AgentOptions): Promise<AgentResult>;

  /** Sleeps durably: the run is released and resumes on any worker once `duration` has passed. */
  sleep(name: string, duration: Duration): Promise<void>;

  /** Sleeps durably until `until` (a Date, epoch milliseconds or an ISO 8601 string). */
  sleepUntil(name: string, until: Date | number | string): Promise<void>;

  /** The current time in epoch milliseconds, recorded the first time so replay sees the same value. */
  now(): number;

  /** A random number in [0, 1), recorded so replay sees the same value. */
  random(): number;

  /** A random UUID (v4), recorded so replay sees the same value. */
  uuid(): string;
}

/** What a step's body receives. */
export interface StepContext {
  readonly runId: string;
  readonly stepName: string;
  /** The step's sequence number in the run (1-based, assigned in call order). */
  readonly seq: number;
  /** `<runId>:<seq>`: the same on every attempt and after a crash. Hand it to external systems. */
  readonly idempotencyKey: string;
  /** 1 on the first attempt; 2 if a previous attempt was in flight when its worker died. */
  readonly attempt: number;
  /** Aborted when this worker loses the run (lease lost, cancelled, shutting down). */
  readonly signal: AbortSignal;
  readonly log: Logger;
}

export interface StepOptions<T = unknown> extends StepPolicyOptions<T> {
  /** Upper bound for the JSON of this step's result. Default 2 MiB. */
  maxResultBytes?: number;
  /**
   * For `effects: 'at-most-once'`: asked when an attempt's outcome is unknown (its worker
   * died, or it timed out). Without it, the run escalates instead of running the step again.
   */
  verify?: (idempotencyKey: string) => Promise<VerifyResult<T>>;
}

/** A tool call's overrides of the tool's policy, and the name of its step. */
export interface ToolCallOptions<T = unknown> extends StepPolicyOptions<T> {
  /** The step's name, e.g. one of the workflow's declared steps. Default: the tool's name. */
  name?: string;
}

export interface EscalateOptions {
  /** The step's name. Default `escalation`. */
  name?: string;
  /** Why a human is needed, in a line. */
  reason: string;
  /** What the human should know, e.g. what was tried. */
  summary?: string;
  /** A person, role or queue, e.g. `pharmacist`. */
  assignee?: string;
  /** Default true: the run waits for the decision. */
  blocking?: boolean;
  /** How long a blocking escalation may stay open before `onTimeout` decides. */
  timeout?: Duration;
  /** Default `abort`. */
  onTimeout?: 'skip' | 'abort';
  /** Extra context for the human (JSON). */
  context?: Record<string, unknown>;
}

/** What the workflow learns from an escalation. */
export interface EscalationOutcome<T = unknown> {
  escalationId: string;
  /** Null for a non-blocking escalation, which does not wait for one. */
  decision: 'retry' | 'skip' | 'provide' | null;
  /** For `provide`: the value the human supplied. */
  value?: T;
  /** A principal, `timeout`, or null when not resolved. */
  resolvedBy: string | null;
}

export interface WaitForEventOptions {
  /** Payload fields and the values they must have (dotted paths reach into objects). */
  match?: EventMatch;
  /** How long to wait; default forever. */
  timeout?: Duration;
  /** How far back an event that arrived before the wait still counts. Default 1 h. */
  lookback?: Duration;
  /** The step's name. Default: the event name. */
  name?: string;
}

export interface SendEventOptions {
  /** The event's id, deduplicated on (at most 256 bytes). Default `run:<runId>:<seq>`. */
  id?: string;
  /** The step's name. Default `send:<event name>`. */
  name?: string;
}

/** What `ctx.waitForEvent` resolves with. */
export type EventWaitResult<T = unknown> =
  | { timedOut: false; event: { id: string; name: string; payload: T; receivedAt: string } }
  | { timedOut: true; event: null };
