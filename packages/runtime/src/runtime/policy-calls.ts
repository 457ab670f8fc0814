import type { StepContext, StepOptions, ToolCallOptions } from '../core/context.js';
import { InvalidArgumentError } from '../core/errors.js';
import { checkSchema } from '../core/schema-check.js';
import { resolveStepPolicy, STEP_DEFAULTS, type StepPolicy } from '../core/step-policy.js';
import { assertFallback, expectedToolCost, isTool, type Tool } from '../core/tool.js';
import type { RedactionRules } from '../governance/audit-redaction.js';
import type { PolicyCall } from './policy-host.js';
import { toolSpan } from './run-tracing.js';
import type { AttemptContext } from './attempt-context.js';
import { toolStepInput } from './step-input.js';
import type { ToolAccess } from './tool-access-gate.js';
import type { ToolFaults } from './tool-faults.js';

const STEP_EXTRA_KEYS = new Set(['maxResultBytes', 'verify']);

/**
 * The policy call of `ctx.step(name, fn, options)`. The policy is checked now, at the call,
 * so a bad option fails where it is written; an empty options object costs nothing.
 */
export function stepCall(
  name: string,
  fn: (step: StepContext) => unknown,
  options: StepOptions,
  maxPayloadBytes: number,
): (seq: number) => PolicyCall {
  const where = `ctx.step("${name}")`;
  const policy = hasKeys(options)
    ? resolveStepPolicy(options as Record<string, unknown>, STEP_DEFAULTS, where, STEP_EXTRA_KEYS)
    : STEP_DEFAULTS;
  if (options.verify !== undefined && typeof options.verify !== 'function') {
    throw new InvalidArgumentError(`${where}: verify must be a function`);
  }
  return (seq) => ({
    seq,
    name,
    kind: 'step',
    body: fn,
    timeoutMs: policy.timeoutMs,
    maxResultBytes: options.maxResultBytes ?? maxPayloadBytes,
    policy,
    breakerKey: policy.breaker ? `step:${name}${policy.breaker.key ? `:${policy.breaker.key}` : ''}` : undefined,
    target: name,
    access: undefined,
    verify: options.verify,
    checkValue: (value) => value,
    expectedCost: undefined,
  });
}

/**
 * The policy call of `ctx.tool(tool, args, overrides)`: the arguments are checked against the
 * tool's input schema before anything is recorded (a bad argument never reaches the tool), the
 * overrides are applied over the tool's own policy, and every result is checked against its
 * output schema. `access` is the run's side of the tool access policy: the workflow's policy,
 * the run's input and who started it; the checked arguments complete it. The step records the
 * checked arguments as its input, redacted by `rules` (the audit trail's).
 */
export function toolCall(
  tool: Tool<unknown, unknown, unknown>,
  args: unknown,
  overrides: ToolCallOptions,
  maxPayloadBytes: number,
  access: Omit<ToolAccess, 'tool' | 'args'>,
  rules: RedactionRules,
  /** `VigilOptions.toolFaults`: the chaos harness's hook around `tool.run`, when set. */
  faults?: ToolFaults,
): (seq: number) => PolicyCall {
  if (!isTool(tool)) throw new InvalidArgumentError('ctx.tool() needs a tool made by defineTool as its first argument');
  const input = checkSchema(tool.input, args, 'tool_input_invalid', 'args', `Invalid arguments for tool ${tool.name}`);
  const policy = policyWithOverrides(tool, overrides);
  const span = toolSpan(tool.name, tool.version);
  const checkValue = (value: unknown): unknown =>
    checkSchema(tool.output, value, 'tool_output_invalid', 'output', `Tool ${tool.name} returned an invalid result`);
  return (seq) => ({
    seq,
    name: overrides.name ?? tool.name,
    kind: 'tool',
    body: async (step: AttemptContext) => {
      const call = {
        idempotencyKey: step.idempotencyKey,
        signal: step.signal,
        attempt: step.attempt,
        log: step.log,
        reportCost: (usd: number) => step.reportCost(usd),
      };
      const run = (): Promise<unknown> => Promise.resolve(tool.run(input, call));
      return checkValue(await (faults ? faults.invoke({ tool, input, call, policy }, run) : run()));
    },
    timeoutMs: policy.timeoutMs,
    maxResultBytes: maxPayloadBytes,
    span,
    policy,
    breakerKey: policy.breaker ? `${tool.name}${policy.breaker.key ? `:${policy.breaker.key}` : ''}` : undefined,
    target: tool.name,
    access: { ...access, tool: tool.name, args: input },
    verify: tool.verify ? (key) => tool.verify!(input, key) : undefined,
    checkValue,
    expectedCost: () => expectedToolCost(tool, input),
    input: () => toolStepInput(input, rules),
  });
}

function policyWithOverrides(tool: Tool<unknown, unknown, unknown>, overrides: ToolCallOptions): StepPolicy {
  const { name: _name, ...rest } = overrides;
  const where = `ctx.tool(${tool.name})`;
  return assertFallback(hasKeys(rest) ? resolveStepPolicy(rest, tool.policy, where) : tool.policy, where);
}

function hasKeys(value: object): boolean {
  for (const _ in value) return true;
  return false;
}
