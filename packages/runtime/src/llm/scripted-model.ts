import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3ToolCall,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';

import { NonRetryableError } from '../core/errors.js';
import { providerToolName } from './model-messages.js';
import { estimateTokens } from './usage.js';

/**
 * One answer of a scripted model: its text, or the text with reasoning, tool calls and token
 * counts.
 */
export type ScriptedReply =
  | string
  | {
      text: string;
      /** The model's stated reasoning, returned as a reasoning part. */
      reasoning?: string;
      /** Tools to call, by the tools' Vigil names (`ledger.lookup`); ids default to `call-<n>-<i>`. */
      toolCalls?: readonly { tool: string; args: unknown; id?: string }[];
      /** Token counts to report; by default about four characters a token of prompt and reply. */
      usage?: { input?: number; output?: number; cached?: number; reasoning?: number };
    };

/** What a script function is asked. */
export interface ScriptedRequest {
  /** The text of every message, system first, one per line: what the reply is "about". */
  prompt: string;
  /** The last user message's text. */
  lastUserMessage: string;
  /** The messages as the AI SDK handed them over. */
  messages: LanguageModelV3Prompt;
  /** Whether a JSON answer was asked for (structured output). */
  json: boolean;
  /** The names (as the provider sees them: `ledger_lookup`) of the tools offered. */
  tools: string[];
  /** Every tool result in the conversation, in order, by the provider's tool name. */
  toolResults: { tool: string; output: unknown; isError: boolean }[];
  /** 1 for the first call to this model, then 2, … */
  call: number;
}

/** Replies in order (one per call), or a function of the request. */
export type Script = readonly ScriptedReply[] | ((request: ScriptedRequest) => ScriptedReply | Promise<ScriptedReply>);

export interface ScriptedModelOptions {
  script: Script;
  /** The model's name, as the price table and the ledger see it. Default `scripted`. */
  modelId?: string;
  /** Characters per streamed chunk; by default one word (with its space) per chunk. */
  chunkSize?: number;
}

/**
 * A deterministic AI SDK language model (specification v3) that answers from a script: for
 * tests, examples, and `npm start` on a machine with no model. It streams its reply word by
 * word and reports token counts, so cost, budgets and streaming behave as with a real model.
 *
 * @example
 * const model = scriptedModel({ script: ['The patient is stable.', 'Follow up in a week.'] });
 * const vigil = createVigil({ llm: { models: { default: model } } });
 */
export class ScriptedModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'scripted';
  readonly modelId: string;
  readonly supportedUrls = {};
  /** How many calls this model has answered. */
  calls = 0;

  constructor(private readonly options: ScriptedModelOptions) {
    this.modelId = options.modelId ?? 'scripted';
  }

  async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    const { text, reasoning, usage, toolCalls } = await this.answer(options);
    return {
      content: [
        ...(reasoning ? [{ type: 'reasoning' as const, text: reasoning }] : []),
        { type: 'text', text },
        ...toolCalls,
      ],
      finishReason: finishReason(toolCalls),
      usage,
      warnings: [],
    };
  }

  async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    const { text, reasoning, usage, toolCalls } = await this.answer(options);
    const parts: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings: [] }];
    if (reasoning) {
      parts.push({ type: 'reasoning-start', id: 'r' }, { type: 'reasoning-delta', id: 'r', delta: reasoning });
      parts.push({ type: 'reasoning-end', id: 'r' });
    }
    parts.push({ type: 'text-start', id: 't' });
    for (const delta of chunks(text, this.options.chunkSize)) parts.push({ type: 'text-delta', id: 't', delta });
    parts.push({ type: 'text-end', id: 't' });
    parts.push(...toolCalls);
    parts.push({ type: 'finish', usage, finishReason: finishReason(toolCalls) });
    const signal = options.abortSignal;
    return {
      stream: new ReadableStream<LanguageModelV3StreamPart>({
        pull(controller) {
          if (signal?.aborted) return controller.error(signal.reason);
          const part = parts.shift();
          if (part) controller.enqueue(part);
          else controller.close();
        },
      }),
    };
  }

  private async answer(options: LanguageModelV3CallOptions) {
    options.abortSignal?.throwIfAborted();
    const call = ++this.calls;
    const messages = options.prompt;
    const request: ScriptedRequest = {
      prompt: messages.map(messageText).join('\n'),
      lastUserMessage: messageText(messages.findLast((m) => m.role === 'user') ?? { role: 'user', content: [] }),
      messages,
      json: options.responseFormat?.type === 'json',
      tools: (options.tools ?? []).map((tool) => tool.name),
      toolResults: messages.flatMap((m) =>
        m.role === 'tool'
          ? m.content.flatMap((part) =>
              part.type === 'tool-result'
                ? [
                    {
                      tool: part.toolName,
                      output: resultValue(part.output),
                      isError: part.output.type.startsWith('error'),
                    },
                  ]
                : [],
            )
          : [],
      ),
      call,
    };
    const script = this.options.script;
    let reply: ScriptedReply | undefined;
    if (typeof script === 'function') reply = await script(request);
    else reply = script[call - 1];
    if (reply === undefined) {
      throw new NonRetryableError(`Scripted model ${this.modelId} has no reply for call ${call}`, {
        code: 'scripted_model_exhausted',
      });
    }
    const { text, reasoning, usage = {}, toolCalls = [] } = typeof reply === 'string' ? { text: reply } : reply;
    const cached = usage.cached ?? 0;
    const input = (usage.input ?? estimateTokens(request.prompt)) + cached;
    const reasoningTokens = usage.reasoning ?? (reasoning ? estimateTokens(reasoning) : 0);
    const output = (usage.output ?? estimateTokens(text)) + reasoningTokens;
    const counts: LanguageModelV3Usage = {
      inputTokens: { total: input, noCache: input - cached, cacheRead: cached, cacheWrite: undefined },
      outputTokens: { total: output, text: output - reasoningTokens, reasoning: reasoningTokens },
    };
    const calls = toolCalls.map((c, i): LanguageModelV3ToolCall => ({
      type: 'tool-call',
      toolCallId: c.id ?? `call-${call}-${i + 1}`,
      toolName: providerToolName(c.tool),
      input: JSON.stringify(c.args ?? {}),
    }));
    return { text, reasoning, usage: counts, toolCalls: calls };
  }
}

/** A scripted model; see {@link ScriptedModel}. */
export function scriptedModel(options: ScriptedModelOptions): ScriptedModel {
  return new ScriptedModel(options);
}

/**
 * The model `default` falls back to when no provider is configured: it answers every prompt
 * with a short template naming what it was asked, so workflows run end to end offline.
 */
export function offlineModel(): ScriptedModel {
  return new ScriptedModel({
    modelId: 'scripted',
    script: ({ lastUserMessage, json }) => {
      if (json) return '{}';
      const asked = lastUserMessage.replace(/\s+/g, ' ').trim().slice(0, 200);
      return `[scripted reply: no model is configured] ${asked}`;
    },
  });
}

function finishReason(toolCalls: readonly unknown[]): LanguageModelV3GenerateResult['finishReason'] {
  return toolCalls.length ? { unified: 'tool-calls', raw: 'tool_calls' } : { unified: 'stop', raw: 'stop' };
}

function resultValue(output: { type: string; value?: unknown }): unknown {
  return output.value;
}

function messageText(message: LanguageModelV3Prompt[number]): string {
  if (typeof message.content === 'string') return message.content;
  return message.content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : '')).join('');
}

function chunks(text: string, size: number | undefined): string[] {
  if (size !== undefined && size > 0) {
    const out: string[] = [];
    for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
    return out;
  }
  return text.match(/\S+\s*|\s+/g) ?? [];
}
