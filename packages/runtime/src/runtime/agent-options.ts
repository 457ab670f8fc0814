import type { AgentOptions } from '../core/agent.js';
import { parseDuration } from '../core/duration.js';
import { InvalidArgumentError } from '../core/errors.js';
import { validateStepName } from '../core/step-identity.js';
import { isTool, type AnyTool } from '../core/tool.js';

/** `ctx.agent`'s options, checked and with their defaults. */
export interface AgentSpec {
  name: string;
  goal: string;
  tools: readonly AnyTool[];
  maxTurns: number;
  maxIdenticalCalls: number;
  budget: { usd: number; onExceeded: 'escalate' | 'stop' | 'fail' } | undefined;
  stopWhen: AgentOptions['stopWhen'];
  escalateTo: string | undefined;
  /** What each model turn passes to `ctx.llm` beside its name, messages and tools. */
  turn: Pick<AgentOptions, 'model' | 'system' | 'maxOutputTokens' | 'temperature' | 'timeout' | 'retry'>;
}

export const DEFAULT_MAX_TURNS = 10;
export const DEFAULT_MAX_IDENTICAL_CALLS = 2;
const MAX_TURNS_LIMIT = 1000;

const KEYS = new Set([
  'name',
  'model',
  'system',
  'goal',
  'tools',
  'maxTurns',
  'budget',
  'stopWhen',
  'maxIdenticalCalls',
  'escalateTo',
  'maxOutputTokens',
  'temperature',
  'timeout',
  'retry',
]);
const TURN_KEYS = ['model', 'system', 'maxOutputTokens', 'temperature', 'timeout', 'retry'] as const;

/**
 * Checks `ctx.agent`'s options where the call is written. The model turns' own options
 * (model, timeout, retry…) are checked again by each `ctx.llm` turn, with the same messages.
 *
 * @throws InvalidArgumentError naming the option.
 */
export function checkAgentOptions(options: AgentOptions): AgentSpec {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('ctx.agent() needs options: { goal, tools, … }');
  }
  const name = validateStepName(options.name ?? 'agent', 'agent name');
  const where = `ctx.agent("${name}")`;
  const bad = (path: string, message: string) => new InvalidArgumentError(`${where}: ${message}`, { path });
  for (const key of Object.keys(options)) if (!KEYS.has(key)) throw bad(key, `unknown option ${key}`);
  if (typeof options.goal !== 'string' || options.goal.trim() === '')
    throw bad('goal', 'goal must be a non-empty string');
  const tools = options.tools;
  if (!Array.isArray(tools) || !tools.every(isTool))
    throw bad('tools', 'tools must be an array of tools made by defineTool');
  const names = new Set<string>();
  for (const tool of tools) {
    if (names.has(tool.name)) throw bad('tools', `tool ${tool.name} is listed twice`);
    names.add(tool.name);
  }
  const maxTurns = options.maxTurns ?? DEFAULT_MAX_TURNS;
  if (!Number.isSafeInteger(maxTurns) || maxTurns < 1 || maxTurns > MAX_TURNS_LIMIT) {
    throw bad('maxTurns', `maxTurns must be a whole number from 1 to ${MAX_TURNS_LIMIT}`);
  }
  const maxIdenticalCalls = options.maxIdenticalCalls ?? DEFAULT_MAX_IDENTICAL_CALLS;
  if (!Number.isSafeInteger(maxIdenticalCalls) || maxIdenticalCalls < 1) {
    throw bad('maxIdenticalCalls', 'maxIdenticalCalls must be a positive whole number');
  }
  if (options.stopWhen !== undefined && typeof options.stopWhen !== 'function') {
    throw bad('stopWhen', 'stopWhen must be a function of the loop state');
  }
  if (options.escalateTo !== undefined && (typeof options.escalateTo !== 'string' || options.escalateTo === '')) {
    throw bad('escalateTo', 'escalateTo must be a non-empty string');
  }
  if (options.timeout !== undefined && options.timeout !== null) parseDuration(options.timeout, `${where} timeout`);
  const turn: AgentSpec['turn'] = {};
  for (const key of TURN_KEYS) if (options[key] !== undefined) Object.assign(turn, { [key]: options[key] });
  return {
    name,
    goal: options.goal,
    tools,
    maxTurns,
    maxIdenticalCalls,
    budget: checkBudget(options.budget, bad),
    stopWhen: options.stopWhen,
    escalateTo: options.escalateTo,
    turn,
  };
}

function checkBudget(
  budget: AgentOptions['budget'],
  bad: (path: string, message: string) => InvalidArgumentError,
): AgentSpec['budget'] {
  if (budget === undefined) return undefined;
  if (typeof budget !== 'object' || budget === null) throw bad('budget', 'budget must be { usd, onExceeded? }');
  if (typeof budget.usd !== 'number' || !Number.isFinite(budget.usd) || budget.usd <= 0) {
    throw bad('budget.usd', 'budget.usd must be a positive number of dollars');
  }
  const onExceeded = budget.onExceeded ?? 'escalate';
  if (onExceeded !== 'escalate' && onExceeded !== 'stop' && onExceeded !== 'fail') {
    throw bad('budget.onExceeded', 'budget.onExceeded must be escalate, stop or fail');
  }
  return { usd: budget.usd, onExceeded };
}
