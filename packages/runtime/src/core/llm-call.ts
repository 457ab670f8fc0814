import type { z } from 'zod';

import type { Duration } from './duration.js';
import type { ErrorRecord } from './errors.js';
import type { OnExhausted } from './step-policy.js';
import type { RetryOptions } from './resilience/retry-policy.js';
import type { AnyTool } from './tool.js';

/**
 * One message of a conversation given to `ctx.llm`: text from the system, the user or the
 * model; a model turn that called tools; or what one tool call returned.
 */
export type LlmMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: readonly LlmToolCall[] }
  | LlmToolResultMessage;

/** What one tool call the model asked for returned, or the error it met, as the model sees it. */
export interface LlmToolResultMessage {
  role: 'tool';
  /** The id of the call this answers (`LlmToolCall.id`). */
  toolCallId: string;
  /** The tool's name, as Vigil knows it (`ehr.read`). */
  tool: string;
  /** The result (JSON), or the error's message when `isError`. */
  content: unknown;
  isError?: boolean;
}

/** A tool call the model asked for. `ctx.llm` only reports it; `ctx.agent` runs it. */
export interface LlmToolCall {
  /** The provider's id for the call, which the tool's result message refers to. */
  id: string;
  /** The tool's name, as Vigil knows it (`ehr.read`), whatever name the provider saw. */
  tool: string;
  /** The arguments the model chose, unchecked. */
  args: unknown;
}

/** Token counts of one call: `input` without cached tokens, `output` without reasoning tokens. */
export interface LlmUsage {
  input: number;
  output: number;
  cached: number;
  reasoning: number;
}

/** What `ctx.llm` resolves with; checkpointed, so a replay returns the same value. */
export interface LlmResult<T = undefined> {
  text: string;
  /** The structured answer, checked against `output`; absent without `output`. */
  object?: T;
  usage: LlmUsage;
  /** What the call cost by the instance's price table, USD (0 for local and scripted models unless priced). */
  costUsd: number;
  /** The model's own name (`gpt-4.1-mini`), or `fallback` when the fallback answered. */
  model: string;
  /** How long the provider took, milliseconds. */
  latencyMs: number;
  /** The model's reasoning text, when it returned any (or the `reasoning` option). */
  reasoning?: string;
  /** The tools the model asked to call, in its order; absent when it called none. */
  toolCalls?: LlmToolCall[];
}

/** A fallback for `ctx.llm`: the text to continue with, or part of a result. */
export type LlmFallbackValue<T> = string | (Partial<LlmResult<T>> & { text: string });

/**
 * Options of `ctx.llm`. Give `prompt` or `messages`. The failure policy is a tool's, with LLM
 * defaults: 3 attempts with backoff (429, 5xx and network failures are retried, honouring
 * Retry-After; other 4xx are not), a 60 s timeout per attempt.
 */
export interface LlmCallOptions<T = undefined> {
  /** A named model of the instance (`VigilOptions.llm.models`). Default `default`. */
  model?: string;
  prompt?: string;
  messages?: readonly LlmMessage[];
  system?: string;
  /**
   * Tools the model may ask to call (by their name and description; the input schema tells it
   * the arguments). `ctx.llm` does not run them: the calls come back in `toolCalls`.
   */
  tools?: readonly AnyTool[];
  /** Structured output: the answer must be JSON this schema accepts (else the attempt fails and may be retried). */
  output?: z.ZodType<T>;
  /** Also the output side of the cost reserved before the call. Default 1024 for the estimate. */
  maxOutputTokens?: number;
  temperature?: number;
  timeout?: Duration | null;
  retry?: RetryOptions;
  /** Continue with this once the attempts are used up (implies `onExhausted: 'skip'`). */
  fallback?: LlmFallbackValue<T> | ((error: ErrorRecord) => LlmFallbackValue<T> | Promise<LlmFallbackValue<T>>);
  onExhausted?: OnExhausted;
  /** Who an escalation goes to, with `onExhausted: 'escalate'`. */
  escalateTo?: string;
  /** Why this call is made, for the audit trail (`spend.recorded`); the model's own reasoning text wins. */
  reasoning?: string;
  /** The step's name. Default `llm`. */
  name?: string;
}
