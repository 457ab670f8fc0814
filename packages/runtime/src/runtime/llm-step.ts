import { InvalidArgumentError, isVigilError } from '../core/errors.js';
import type { LlmCallOptions, LlmFallbackValue, LlmResult, LlmToolCall } from '../core/llm-call.js';
import { costOf, priceOf, type PriceTable } from '../core/pricing.js';
import { checkSchema } from '../core/schema-check.js';
import { resolveStepPolicy, TOOL_DEFAULTS, type StepPolicy } from '../core/step-policy.js';
import { isTool } from '../core/tool.js';
import { httpStatusOf } from '../core/resilience/retry-after.js';
import { callModel, type ModelRequest } from '../llm/model-call.js';
import { offerTools, toModelMessages, toolCallsOf } from '../llm/model-messages.js';
import type { ModelRegistry, ResolvedModel } from '../llm/model-registry.js';
import { chatSpan } from './run-tracing.js';
import { estimateTokens } from '../llm/usage.js';
import type { TokenCounts } from '../store/spend-store.js';
import type { RuntimeEvents } from './events.js';
import type { PolicyCall } from './policy-host.js';
import { llmStepInput } from './step-input.js';
import type { AttemptContext } from './attempt-context.js';

/** An LLM call's policy defaults: a tool's (3 attempts with backoff) with a 60 s timeout. */
export const LLM_DEFAULTS: StepPolicy = Object.freeze({ ...TOOL_DEFAULTS, timeoutMs: 60_000 });

/** The output side of a call's reserved cost when `maxOutputTokens` is not given. */
export const DEFAULT_OUTPUT_ESTIMATE = 1024;

const CALL_KEYS = new Set([
  'model',
  'prompt',
  'messages',
  'system',
  'output',
  'maxOutputTokens',
  'temperature',
  'tools',
]);
const POLICY_KEYS = new Set(['timeout', 'retry', 'fallback', 'onExhausted', 'escalateTo']);
const OTHER_KEYS = new Set(['reasoning', 'name']);
const ZERO: TokenCounts = Object.freeze({ input: 0, output: 0, cached: 0, reasoning: 0 });

/** What building an LLM call needs from the worker. */
export interface LlmCallDeps {
  models: ModelRegistry;
  prices: PriceTable;
  events: RuntimeEvents;
  runId: string;
  maxPayloadBytes: number;
}

/**
 * The policy call of `ctx.llm(options)`. Everything is checked now, at the call, so a bad
 * option or an unknown model name fails where it is written. The body streams the answer
 * (each piece an `llm.token` event), prices its usage and reports it: the policy step settles
 * the budget with it and keeps model, tokens, cost and latency in the step's detail.
 */
export function llmCall(
  name: string,
  options: LlmCallOptions<unknown>,
  deps: LlmCallDeps,
): (seq: number) => PolicyCall {
  const where = `ctx.llm("${name}")`;
  const { request, toolNames, estimateText } = checkRequest(options, where);
  const model = deps.models.get(options.model ?? 'default');
  const policyOptions = Object.fromEntries(Object.entries(options).filter(([key]) => POLICY_KEYS.has(key)));
  if (options.fallback !== undefined && options.onExhausted === undefined) policyOptions['onExhausted'] = 'skip';
  const policy = resolveStepPolicy(policyOptions, LLM_DEFAULTS, where);
  const price = (tokens: TokenCounts): number => priceCall(model, tokens, deps.prices);
  const checkValue = (value: unknown): unknown => asResult(value, request.output, where);
  const span = chatSpan(model.modelId, model.model.provider, model.name);
  return (seq) => ({
    seq,
    name,
    kind: 'llm',
    body: async (step: AttemptContext) => {
      try {
        const answer = await callModel(model.model, request, {
          signal: step.signal,
          onToken: (text) => deps.events.emit('llm.token', { runId: deps.runId, seq, step: name, text }),
        });
        const costUsd = price(answer.tokens);
        const toolCalls = answer.toolCalls ? toolCallsOf(answer.toolCalls, toolNames) : undefined;
        // What a model says beside the calls it makes is its stated reason for making them.
        const stated = toolCalls && answer.text.trim() !== '' ? answer.text : undefined;
        const reasoning = answer.reasoning ?? stated ?? options.reasoning;
        const { tokens, latencyMs } = answer;
        step.reportLlmUsage({ model: model.modelId, tokens, costUsd, latencyMs, ...(reasoning ? { reasoning } : {}) });
        const result: LlmResult<unknown> = {
          text: answer.text,
          usage: tokens,
          costUsd,
          model: model.modelId,
          latencyMs,
        };
        if (answer.object !== undefined) result.object = answer.object;
        if (reasoning) result.reasoning = reasoning;
        if (toolCalls) result.toolCalls = toolCalls;
        return result;
      } catch (error) {
        // The provider refused the request (429, 5xx, 4xx): nothing was generated, nothing billed.
        if (httpStatusOf(error) !== undefined) step.reportCost(0);
        throw error;
      }
    },
    timeoutMs: policy.timeoutMs,
    maxResultBytes: deps.maxPayloadBytes,
    span,
    policy,
    breakerKey: undefined,
    target: model.modelId,
    access: undefined,
    verify: undefined,
    checkValue,
    input: () =>
      llmStepInput({
        model: model.modelId,
        messages: request.messages?.length ?? (request.prompt === undefined ? 0 : 1),
        system: request.system !== undefined,
        tools: [...new Set(toolNames.values())],
        structured: request.output !== undefined,
      }),
    expectedCost: () =>
      price({
        input: estimateTokens(estimateText),
        output: request.maxOutputTokens ?? DEFAULT_OUTPUT_ESTIMATE,
        cached: 0,
        reasoning: 0,
      }),
  });
}

/** The model's price; a model not in the table is free unless its provider bills (then an error). */
function priceCall(model: ResolvedModel, tokens: TokenCounts, prices: PriceTable): number {
  try {
    priceOf(model.modelId, prices);
  } catch (error) {
    if (isVigilError(error) && error.code === 'model_price_unknown' && !model.billed) return 0;
    throw error;
  }
  return costOf(model.modelId, tokens, prices);
}

interface CheckedRequest {
  request: ModelRequest;
  /** Provider tool name → Vigil tool name. */
  toolNames: ReadonlyMap<string, string>;
  /** All the prompt's text, for the cost estimate. */
  estimateText: string;
}

function checkRequest(options: LlmCallOptions<unknown>, where: string): CheckedRequest {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(`${where} needs options`);
  for (const key of Object.keys(options)) {
    if (!CALL_KEYS.has(key) && !POLICY_KEYS.has(key) && !OTHER_KEYS.has(key)) {
      throw new InvalidArgumentError(`${where}: unknown option ${key}`, { path: key });
    }
  }
  const { prompt, messages, system, output, maxOutputTokens, temperature, tools } = options;
  if ((prompt === undefined) === (messages === undefined)) {
    throw new InvalidArgumentError(`${where} needs exactly one of prompt and messages`, { path: 'prompt' });
  }
  if (prompt !== undefined && typeof prompt !== 'string') {
    throw new InvalidArgumentError(`${where}: prompt must be a string`, { path: 'prompt' });
  }
  if (messages !== undefined) checkMessages(messages, where);
  if (system !== undefined && typeof system !== 'string') {
    throw new InvalidArgumentError(`${where}: system must be a string`, { path: 'system' });
  }
  if (output !== undefined && typeof (output as { safeParse?: unknown })?.safeParse !== 'function') {
    throw new InvalidArgumentError(`${where}: output must be a zod schema`, { path: 'output' });
  }
  if (maxOutputTokens !== undefined && (!Number.isSafeInteger(maxOutputTokens) || maxOutputTokens < 1)) {
    throw new InvalidArgumentError(`${where}: maxOutputTokens must be a positive integer`, { path: 'maxOutputTokens' });
  }
  if (temperature !== undefined && (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 2))) {
    throw new InvalidArgumentError(`${where}: temperature must be a number from 0 to 2`, { path: 'temperature' });
  }
  if (options.reasoning !== undefined && typeof options.reasoning !== 'string') {
    throw new InvalidArgumentError(`${where}: reasoning must be a string`, { path: 'reasoning' });
  }
  if (tools !== undefined && (!Array.isArray(tools) || !tools.every(isTool))) {
    throw new InvalidArgumentError(`${where}: tools must be an array of tools made by defineTool`, { path: 'tools' });
  }
  const offered = tools?.length ? offerTools(tools, where) : undefined;
  const request: ModelRequest = {
    ...(system === undefined ? {} : { system }),
    ...(prompt === undefined ? {} : { prompt }),
    ...(messages === undefined ? {} : { messages: toModelMessages(messages) }),
    ...(output === undefined ? {} : { output }),
    ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(offered ? { tools: offered.tools } : {}),
  };
  const texts = (messages ?? []).map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
  return {
    request,
    toolNames: offered?.names ?? new Map(),
    estimateText: [system ?? '', prompt ?? '', ...texts].join('\n'),
  };
}

function checkMessages(messages: unknown, where: string): void {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidArgumentError(`${where}: messages must be a non-empty array`, { path: 'messages' });
  }
  (messages as unknown[]).forEach((value, i) => {
    const problem = messageProblem(value);
    if (problem) throw new InvalidArgumentError(`${where}: messages[${i}] ${problem}`, { path: `messages.${i}` });
  });
}

/** What is wrong with one message, or null. */
function messageProblem(value: unknown): string | null {
  const m = value as Partial<Record<string, unknown>> | null;
  if (typeof m !== 'object' || m === null) return 'must be an object';
  switch (m['role']) {
    case 'system':
    case 'user':
      return typeof m['content'] === 'string' ? null : 'must have text content';
    case 'assistant': {
      if (typeof m['content'] !== 'string') return 'must have text content';
      const calls = m['toolCalls'];
      if (calls === undefined) return null;
      const valid =
        Array.isArray(calls) &&
        calls.every((c: Partial<LlmToolCall> | null) => typeof c?.id === 'string' && typeof c.tool === 'string');
      return valid ? null : 'toolCalls must be { id, tool, args } objects';
    }
    case 'tool':
      if (typeof m['toolCallId'] !== 'string' || typeof m['tool'] !== 'string') {
        return 'must name its toolCallId and tool';
      }
      return m['isError'] === undefined || typeof m['isError'] === 'boolean' ? null : 'isError must be a boolean';
    default:
      return 'must have role system, user, assistant or tool';
  }
}

/**
 * A value that did not come from the model (a fallback, a value a human provided) as a
 * result: a string is the text; an object fills the rest with zeros and model `fallback`.
 */
function asResult(value: unknown, output: ModelRequest['output'], where: string): LlmResult<unknown> {
  // No fallback at all (`onExhausted: 'skip'` alone): empty text.
  const given = (
    typeof value === 'string' ? { text: value } : (value ?? { text: '' })
  ) as LlmFallbackValue<unknown> | null;
  if (typeof given !== 'object' || given === null || typeof given.text !== 'string') {
    throw new InvalidArgumentError(`${where}: a fallback must be text or { text, object? }`, { path: 'fallback' });
  }
  const result: LlmResult<unknown> = {
    text: given.text,
    usage: given.usage ?? ZERO,
    costUsd: given.costUsd ?? 0,
    model: given.model ?? 'fallback',
    latencyMs: given.latencyMs ?? 0,
  };
  if (given.reasoning !== undefined) result.reasoning = given.reasoning;
  if (given.object !== undefined || output) {
    result.object = output
      ? checkSchema(output, given.object, 'llm_output_invalid', 'object', `${where}: the fallback's object`)
      : given.object;
  }
  return result;
}
