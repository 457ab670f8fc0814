import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { ModelMessage } from 'ai';
import type { z } from 'zod';

import { RetryableError } from '../core/errors.js';
import { checkSchema } from '../core/schema-check.js';
import type { TokenCounts } from '../store/spend-store.js';
import { normaliseUsage } from './usage.js';

/** What one model call asks. Exactly one of `prompt` and `messages`. */
export interface ModelRequest {
  system?: string;
  prompt?: string;
  messages?: ModelMessage[];
  /** Structured output: the answer must be JSON this schema accepts. */
  output?: z.ZodType;
  maxOutputTokens?: number;
  temperature?: number;
  /** Tools the model may call, by the name the provider sees. They are never run here. */
  tools?: Record<string, ModelTool>;
}

/** A tool as a model is offered it: what it is for and the arguments it takes. */
export interface ModelTool {
  description?: string;
  inputSchema: z.ZodType;
}

/** A tool call the model asked for, by the name the provider saw. */
export interface ModelToolCall {
  id: string;
  name: string;
  input: unknown;
}

/** What the model answered, and what it cost in tokens and time. */
export interface ModelAnswer {
  text: string;
  /** The checked object, for structured output. */
  object?: unknown;
  tokens: TokenCounts;
  /** The model's reasoning text, when it returned any. */
  reasoning?: string;
  latencyMs: number;
  /** The tools the model asked to call, in its order; absent when it called none. */
  toolCalls?: ModelToolCall[];
}

/**
 * Makes one call, streamed: each piece of text goes to `onToken` as it arrives. The SDK's own
 * retries are off (`maxRetries: 0`): the step's policy alone retries, with its backoff and the
 * provider's Retry-After, so a retry is a recorded attempt and never a hidden one. Provider
 * errors are thrown as the SDK made them (status and headers on them, for the retry decision).
 *
 * @throws RetryableError (`llm_output_invalid`) when structured output is not JSON the schema accepts.
 */
export async function callModel(
  model: LanguageModelV3,
  request: ModelRequest,
  options: { signal: AbortSignal; onToken?: (text: string) => void },
): Promise<ModelAnswer> {
  // Imported at the first call, not with Vigil: a process that calls no model never loads the SDK.
  const { Output, streamText } = await import('ai');
  // Wall time, not the run's clock: latency is a measurement of the provider, not of the run.
  const startedAt = performance.now();
  const result = streamText({
    model,
    ...(request.system === undefined ? {} : { system: request.system }),
    ...(request.messages === undefined ? { prompt: request.prompt ?? '' } : { messages: request.messages }),
    ...(request.output ? { output: Output.object({ schema: request.output }) } : {}),
    ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.tools === undefined ? {} : { tools: request.tools }),
    maxRetries: 0,
    abortSignal: options.signal,
    // The error comes through the stream and is thrown below; the SDK's default would log it too.
    onError: () => undefined,
  });
  let text = '';
  let reasoning = '';
  const toolCalls: ModelToolCall[] = [];
  let usage: Parameters<typeof normaliseUsage>[0];
  for await (const part of result.fullStream) {
    switch (part.type) {
      case 'text-delta':
        text += part.text;
        if (part.text !== '') options.onToken?.(part.text);
        break;
      case 'reasoning-delta':
        reasoning += part.text;
        break;
      case 'tool-call':
        // A call whose arguments did not fit the schema comes too: the caller checks them again
        // and tells the model what was wrong, which is more use to it than a failed turn.
        toolCalls.push({ id: part.toolCallId, name: part.toolName, input: part.input });
        break;
      case 'finish':
        usage = part.totalUsage;
        break;
      case 'error':
        throw part.error;
      case 'abort':
        options.signal.throwIfAborted();
        throw new RetryableError('The model call was aborted', { code: 'llm_aborted' });
      default:
        break;
    }
  }
  const answer: ModelAnswer = {
    text,
    tokens: normaliseUsage(usage),
    latencyMs: Math.round(performance.now() - startedAt),
    ...(reasoning === '' ? {} : { reasoning }),
    ...(toolCalls.length === 0 ? {} : { toolCalls }),
  };
  if (request.output) answer.object = parseObject(request.output, text);
  return answer;
}

function parseObject(schema: z.ZodType, text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(stripFence(text));
  } catch {
    throw new RetryableError(`The model's structured output is not JSON: ${text.slice(0, 200)}`, {
      code: 'llm_output_invalid',
    });
  }
  try {
    return checkSchema(schema, value, 'llm_output_invalid', 'output', "The model's structured output is invalid");
  } catch (error) {
    // Another answer may well fit: the step's retry policy decides.
    throw new RetryableError((error as Error).message, { code: 'llm_output_invalid', cause: error });
  }
}

/** Models often wrap JSON in a Markdown code fence despite being asked not to. */
function stripFence(text: string): string {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(text);
  return fenced ? fenced[1]! : text;
}
