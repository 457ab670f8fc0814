/**
 * Vigil's messages and tools as the AI SDK hands them to a provider, and back. Tool names are
 * Vigil's (`ehr.read`); providers accept only letters, digits, `_` and `-`, so each tool is
 * offered under a name with every other character made `_`, and the calls the model makes are
 * mapped back to the tools they name.
 */
import type { ModelMessage, ToolResultPart } from 'ai';

import { InvalidArgumentError } from '../core/errors.js';
import type { LlmMessage, LlmToolCall } from '../core/llm-call.js';
import type { AnyTool } from '../core/tool.js';
import type { ModelTool, ModelToolCall } from './model-call.js';

const MAX_PROVIDER_NAME = 64;

/** The name a provider sees for a Vigil tool: `ehr.read` → `ehr_read`. */
export function providerToolName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_PROVIDER_NAME);
}

/** The tools offered to a model, and the way back from the names it calls them by. */
export interface OfferedTools {
  tools: Record<string, ModelTool>;
  /** Provider name → Vigil name. */
  names: ReadonlyMap<string, string>;
}

/** @throws InvalidArgumentError when two tools would reach the provider under one name. */
export function offerTools(tools: readonly AnyTool[], where: string): OfferedTools {
  const offered: Record<string, ModelTool> = {};
  const names = new Map<string, string>();
  for (const tool of tools) {
    const name = providerToolName(tool.name);
    const taken = names.get(name);
    if (taken !== undefined) {
      throw new InvalidArgumentError(
        `${where}: tools ${taken} and ${tool.name} would both reach the model as "${name}"; rename one`,
        { path: 'tools' },
      );
    }
    names.set(name, tool.name);
    offered[name] = {
      ...(tool.description === undefined ? {} : { description: tool.description }),
      inputSchema: tool.input,
    };
  }
  return { tools: offered, names };
}

/** The model's calls by the tools' Vigil names; a name that matches no offered tool is kept as is. */
export function toolCallsOf(calls: readonly ModelToolCall[], names: ReadonlyMap<string, string>): LlmToolCall[] {
  return calls.map((call) => ({ id: call.id, tool: names.get(call.name) ?? call.name, args: call.input }));
}

/** A conversation as the AI SDK takes it. */
export function toModelMessages(messages: readonly LlmMessage[]): ModelMessage[] {
  return messages.map((message): ModelMessage => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'assistant':
        if (!message.toolCalls?.length) return { role: 'assistant', content: message.content };
        return {
          role: 'assistant',
          content: [
            ...(message.content === '' ? [] : [{ type: 'text' as const, text: message.content }]),
            ...message.toolCalls.map((call) => ({
              type: 'tool-call' as const,
              toolCallId: call.id,
              toolName: providerToolName(call.tool),
              input: call.args ?? {},
            })),
          ],
        };
      case 'tool': {
        const part: ToolResultPart = {
          type: 'tool-result',
          toolCallId: message.toolCallId,
          toolName: providerToolName(message.tool),
          output: message.isError
            ? { type: 'error-text', value: String(message.content) }
            : { type: 'json', value: (message.content ?? null) as never },
        };
        return { role: 'tool', content: [part] };
      }
    }
  });
}
