import type { Duration } from './duration.js';
import type { LlmMessage, LlmUsage } from './llm-call.js';
import type { RetryOptions } from './resilience/retry-policy.js';
import type { AnyTool } from './tool.js';

/** Why an agent's loop ended. */
export type AgentStopReason =
  /** The model answered without calling a tool: `text` is its answer. */
  | 'answered'
  /** `maxTurns` model turns were taken. */
  | 'max_turns'
  /** The loop spent its budget and was told (or set) to stop. */
  | 'budget'
  /** `stopWhen` returned true. */
  | 'stop_when'
  /** The model kept repeating a call the loop had refused as a repeat. */
  | 'repeated_calls';

/**
 * What happened to one tool call the model asked for: `ok` (the tool ran), `error` (the tool
 * failed, or its arguments did not fit its schema), `denied` (the tool access policy denied it,
 * or a human rejected it), `refused` (a repeat the loop did not run, or a tool not offered).
 */
export type AgentToolOutcome = 'ok' | 'error' | 'denied' | 'refused';

/** One tool call of the loop, as the model asked for it and as it ended. */
export interface AgentToolCall {
  /** The turn (1-based) whose answer asked for it. */
  turn: number;
  tool: string;
  args: unknown;
  outcome: AgentToolOutcome;
  /** The tool's result, for `ok`. */
  result?: unknown;
  /** What the model was told, for the other outcomes. */
  error?: string;
}

/** What `stopWhen` sees after each turn and its tool calls. Everything in it is checkpointed. */
export interface AgentState {
  /** Turns taken so far (1 after the first). */
  turn: number;
  /** The last turn's text. */
  text: string;
  /** Every tool call so far, in order. */
  toolCalls: readonly AgentToolCall[];
  /** What the loop's model turns cost so far, USD. */
  costUsd: number;
}

/** What `ctx.agent` resolves with. */
export interface AgentResult {
  /** The model's last text: its answer when `stopReason` is `answered`. */
  text: string;
  stopReason: AgentStopReason;
  /** Model turns taken. */
  turns: number;
  toolCalls: AgentToolCall[];
  /** What the model turns cost, USD (tool costs are in the run's spend). */
  costUsd: number;
  /** Tokens over all turns. */
  usage: LlmUsage;
  /** The whole conversation, goal first (the system prompt is not repeated in it). */
  messages: LlmMessage[];
}

/**
 * The loop's own budget, checked between turns against what its model turns cost. (Every
 * call is also reserved against the workflow's budgets, which refuse a call before it runs.)
 */
export interface AgentBudget {
  usd: number;
  /**
   * Once it is spent: `escalate` (the default) asks a human on a blocking escalation — `retry`
   * grants as much again, `provide` `{ usd }` sets a new limit, `skip` stops the loop; `stop`
   * ends the loop with `stopReason: 'budget'`; `fail` throws `BudgetExceededError`.
   */
  onExceeded?: 'escalate' | 'stop' | 'fail';
}

/**
 * Options of `ctx.agent`: a model works towards `goal` by calling `tools` until it answers
 * without a tool call or a guard stops it.
 */
export interface AgentOptions {
  /** Its steps are named `<name>:turn-<n>` and `<name>:<tool>`. Default `agent`. */
  name?: string;
  /** A named model of the instance. Default `default`. */
  model?: string;
  system?: string;
  /** The task, as the first user message. */
  goal: string;
  /** The tools the model may call; each call goes through the workflow's tool access policy. */
  tools: readonly AnyTool[];
  /** Model turns at most. Default 10. */
  maxTurns?: number;
  budget?: AgentBudget;
  /** Checked after every turn and its tool calls; true ends the loop (`stop_when`). Must be deterministic. */
  stopWhen?: (state: AgentState) => boolean;
  /**
   * How many times the same tool may run with the same arguments. A further identical call is
   * not run: the model is told, and a second such refusal ends the loop. Default 2.
   */
  maxIdenticalCalls?: number;
  /** Who the loop's escalations (its budget) go to. */
  escalateTo?: string;
  /** Per model turn. Default 1024 for the cost estimate. */
  maxOutputTokens?: number;
  temperature?: number;
  /** Per model turn. Default 60 s. */
  timeout?: Duration | null;
  /** Per model turn. Default 3 attempts with backoff, honouring Retry-After. */
  retry?: RetryOptions;
}
