import type { EscalateOptions, EscalationOutcome } from '../core/context.js';
import type { AgentResult, AgentState, AgentStopReason, AgentToolCall } from '../core/agent.js';
import { hasCode, StepFailedError, toErrorRecord } from '../core/errors.js';
import { BudgetExceededError } from '../core/governance-errors.js';
import { canonicalJson } from '../core/json.js';
import type { LlmCallOptions, LlmMessage, LlmResult, LlmToolCall, LlmUsage } from '../core/llm-call.js';
import type { AnyTool } from '../core/tool.js';
import { providerToolName } from '../llm/model-messages.js';
import type { AgentSpec } from './agent-options.js';
import type { AgentSpan } from './run-tracing.js';

/** What the loop calls: the run's own `ctx.llm`, tool calls and escalations, each a checkpointed step. */
export interface AgentHost {
  llm(options: LlmCallOptions): Promise<LlmResult>;
  /** A tool call the model chose, under the workflow's tool access policy; a refusal throws. */
  callTool(tool: AnyTool, args: unknown, step: string, reasoning: string | undefined): Promise<unknown>;
  escalate<T>(options: EscalateOptions): Promise<EscalationOutcome<T>>;
}

/** How much of the model's reasoning goes with each of its tool calls to the audit trail. */
const MAX_REASONING_CHARS = 2000;
/** Refused repeats after which the loop gives up on the model. */
const MAX_REPEAT_REFUSALS = 2;

/**
 * The durable tool loop of `ctx.agent`. Every model turn is a `ctx.llm` step and every tool
 * call a tool step, so the loop is ordinary workflow code over checkpoints: after a crash the
 * run replays it, each completed turn and call returning what it returned before (no model
 * request is paid twice, no tool runs twice), and the conversation is rebuilt from them up to
 * the step that was cut off. Everything the loop decides (guards, `stopWhen`) depends only on
 * checkpointed values, so a replay decides the same. `span` is the loop's `invoke_agent` span
 * in this execution, which its turns' and tools' spans nest under; ended here when the loop
 * returns or throws (by the execution's end when it suspends inside the loop).
 */
export async function runAgent(host: AgentHost, spec: AgentSpec, span?: AgentSpan): Promise<AgentResult> {
  let result: AgentResult;
  try {
    result = await new AgentLoop(host, spec).run();
  } catch (error) {
    span?.end({ ok: false, error: toErrorRecord(error) });
    throw error;
  }
  span?.end({ ok: true, result });
  return result;
}

class AgentLoop {
  private readonly messages: LlmMessage[];
  private readonly calls: AgentToolCall[] = [];
  private readonly runs = new Map<string, number>();
  private readonly byName: ReadonlyMap<string, AnyTool>;
  private turns = 0;
  private costUsd = 0;
  private usage: LlmUsage = { input: 0, output: 0, cached: 0, reasoning: 0 };
  private text = '';
  private repeatRefusals = 0;
  private limitUsd: number | undefined;

  constructor(
    private readonly host: AgentHost,
    private readonly spec: AgentSpec,
  ) {
    this.messages = [{ role: 'user', content: spec.goal }];
    this.byName = new Map(spec.tools.map((tool) => [tool.name, tool]));
    this.limitUsd = spec.budget?.usd;
  }

  async run(): Promise<AgentResult> {
    for (;;) {
      if (this.turns >= this.spec.maxTurns) return this.result('max_turns');
      if (this.limitUsd !== undefined && this.costUsd >= this.limitUsd) {
        this.limitUsd = await this.overBudget(this.limitUsd);
        if (this.limitUsd === undefined) return this.result('budget');
        continue;
      }
      const answer = await this.turn();
      if (!answer.toolCalls?.length) return this.result('answered');
      const reasoning = answer.reasoning?.slice(0, MAX_REASONING_CHARS);
      for (const call of answer.toolCalls) await this.toolCall(call, reasoning);
      if (this.repeatRefusals >= MAX_REPEAT_REFUSALS) return this.result('repeated_calls');
      if (this.spec.stopWhen?.(this.state())) return this.result('stop_when');
    }
  }

  private async turn(): Promise<LlmResult> {
    this.turns += 1;
    const answer = await this.host.llm({
      ...this.spec.turn,
      name: `${this.spec.name}:turn-${this.turns}`,
      messages: [...this.messages],
      ...(this.spec.tools.length ? { tools: this.spec.tools } : {}),
    });
    this.costUsd += answer.costUsd;
    this.usage = addUsage(this.usage, answer.usage);
    this.text = answer.text;
    this.messages.push({
      role: 'assistant',
      content: answer.text,
      ...(answer.toolCalls?.length ? { toolCalls: answer.toolCalls } : {}),
    });
    return answer;
  }

  /** Runs one call the model chose, or tells it why not; either way the answer joins the conversation. */
  private async toolCall(call: LlmToolCall, reasoning: string | undefined): Promise<void> {
    const base = { turn: this.turns, tool: call.tool, args: call.args };
    const tell = (outcome: AgentToolCall['outcome'], error: string): void => {
      this.calls.push({ ...base, outcome, error });
      this.messages.push({ role: 'tool', toolCallId: call.id, tool: call.tool, content: error, isError: true });
    };
    const tool = this.byName.get(call.tool);
    if (!tool) {
      // In the names the model knows them by.
      const offered = [...this.byName.keys()].map(providerToolName).join(', ') || 'none';
      return tell('refused', `There is no tool named ${call.tool}. The tools are: ${offered}.`);
    }
    const key = `${tool.name}\u0000${canonicalJson(call.args ?? null)}`;
    const runs = this.runs.get(key) ?? 0;
    if (runs >= this.spec.maxIdenticalCalls) {
      this.repeatRefusals += 1;
      const times = runs === 1 ? 'once' : `${runs} times`;
      return tell(
        'refused',
        `Not run: ${tool.name} was already called ${times} with these arguments. Use that result.`,
      );
    }
    this.runs.set(key, runs + 1);
    try {
      const result = await this.host.callTool(tool, call.args, `${this.spec.name}:${tool.name}`, reasoning);
      this.calls.push({ ...base, outcome: 'ok', result });
      this.messages.push({ role: 'tool', toolCallId: call.id, tool: call.tool, content: result ?? null });
    } catch (error) {
      // Arguments that do not fit the tool's schema never reach it; the model can correct them.
      if (hasCode(error, 'tool_input_invalid')) return tell('error', (error as Error).message);
      if (!StepFailedError.is(error)) throw error;
      const denied = error.failure.code === 'policy_denied';
      tell(denied ? 'denied' : 'error', `${denied ? 'Denied' : 'Failed'}: ${error.failure.message}`);
    }
  }

  /**
   * The loop has spent its budget. Returns the new limit, or undefined to stop: `escalate`
   * waits for a human (retry: as much again; provide `{ usd }`: that limit; skip: stop).
   */
  private async overBudget(limitUsd: number): Promise<number | undefined> {
    const { budget, name, escalateTo } = this.spec;
    switch (budget!.onExceeded) {
      case 'stop':
        return undefined;
      case 'fail':
        throw new BudgetExceededError({
          scope: 'agent loop',
          key: name,
          limitUsd,
          spentUsd: this.costUsd,
          requestedUsd: 0,
        });
      case 'escalate':
        break;
    }
    const spent = `$${this.costUsd.toFixed(4)} of its $${limitUsd} budget in ${this.turns} turns`;
    const outcome = await this.host.escalate<{ usd?: unknown }>({
      name: `${name}:budget`,
      reason: `Agent "${name}" has spent ${spent}`,
      summary:
        'Resolve with retry to grant as much again, provide { "usd": <new limit> } to set a limit, ' +
        'or skip to stop the agent with what it has found',
      ...(escalateTo === undefined ? {} : { assignee: escalateTo }),
      context: {
        agent: name,
        turns: this.turns,
        costUsd: this.costUsd,
        limitUsd,
        toolCalls: this.calls.length,
        lastText: this.text.slice(0, MAX_REASONING_CHARS),
      },
    });
    if (outcome.decision === 'retry') return limitUsd + budget!.usd;
    if (outcome.decision === 'provide') {
      const usd = outcome.value?.usd;
      if (typeof usd === 'number' && Number.isFinite(usd) && usd > this.costUsd) return usd;
      // A limit the loop is already past would stop it at once: ask again rather than guess.
      return limitUsd;
    }
    return undefined;
  }

  private state(): AgentState {
    return { turn: this.turns, text: this.text, toolCalls: [...this.calls], costUsd: this.costUsd };
  }

  private result(stopReason: AgentStopReason): AgentResult {
    return {
      text: this.text,
      stopReason,
      turns: this.turns,
      toolCalls: this.calls,
      costUsd: this.costUsd,
      usage: this.usage,
      messages: this.messages,
    };
  }
}

function addUsage(a: LlmUsage, b: LlmUsage): LlmUsage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cached: a.cached + b.cached,
    reasoning: a.reasoning + b.reasoning,
  };
}
