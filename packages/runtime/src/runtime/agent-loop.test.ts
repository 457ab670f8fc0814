import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import type { Vigil } from '../compose.js';
import type { AgentOptions, AgentResult } from '../core/agent.js';
import type { ToolAccessPolicyOptions } from '../core/tool-access-policy.js';
import { defineTool } from '../core/tool.js';
import { defineWorkflow } from '../core/workflow.js';
import { scriptedModel, type Script } from '../llm/scripted-model.js';
import type { RuntimeEventMap } from './events.js';

const Input = z.object({ entry: z.string() });
const Entry = z.object({ entry: z.string() });

/** Read-only lookups and a fix, each recording its calls outside Vigil's own records. */
function ledgerTools() {
  const lookups: string[] = [];
  const fixes: string[] = [];
  const lookup = defineTool({
    name: 'ledger.lookup',
    description: 'Reads one ledger entry',
    input: Entry,
    output: z.object({ entry: z.string(), amount: z.number() }),
    run: ({ entry }) => {
      lookups.push(entry);
      return { entry, amount: entry === 'E-1' ? 120 : 80 };
    },
  });
  const fix = defineTool({
    name: 'ledger.fix',
    description: 'Corrects the amount of one ledger entry',
    input: Entry.extend({ amount: z.number() }),
    output: z.object({ fixed: z.boolean() }),
    run: ({ entry }) => {
      fixes.push(entry);
      return { fixed: true };
    },
  });
  return { lookup, fix, lookups, fixes };
}

describe.each(DIALECTS)('ctx.agent on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  function agentVigil(script: Script, options: Omit<AgentOptions, 'goal' | 'tools'>, policy?: ToolAccessPolicyOptions) {
    const tools = ledgerTools();
    const wf = defineWorkflow(
      { name: 'investigate', input: Input, ...(policy ? { policy } : {}) },
      async (ctx, input): Promise<AgentResult> =>
        ctx.agent({
          system: 'You investigate ledger mismatches.',
          goal: `Why does ${input.entry} not match the bank?`,
          tools: [tools.lookup, tools.fix],
          ...options,
        }),
    );
    const model = scriptedModel({ modelId: 'agent-model', script });
    const vigil = h.vigil([wf], {
      worker: { pollMs: 100 },
      llm: { models: { default: model } },
      pricing: { 'agent-model': { input: 1000, output: 1000 } },
    });
    return { vigil, wf, model, ...tools };
  }

  function decisions(vigil: Vigil): Array<RuntimeEventMap['policy.decided']> {
    const seen: Array<RuntimeEventMap['policy.decided']> = [];
    vigil.events.on('policy.decided', (event) => seen.push(event));
    return seen;
  }

  it('runs the tools the model calls, each a checkpointed step, and records its reasoning with each call', async () => {
    const script: Script = ({ toolResults }) =>
      toolResults.length === 0
        ? { text: 'I need the ledger entry first.', toolCalls: [{ tool: 'ledger.lookup', args: { entry: 'E-1' } }] }
        : `E-1 is booked at ${(toolResults[0]!.output as { amount: number }).amount}; the bank has 100.`;
    const { vigil, wf, lookups, model } = agentVigil(script, {});
    const decided = decisions(vigil);
    const { id } = await vigil.start(wf, { entry: 'E-1' });
    const result = await h.result<AgentResult>(vigil, id);

    expect(result).toMatchObject({
      stopReason: 'answered',
      turns: 2,
      text: 'E-1 is booked at 120; the bank has 100.',
      toolCalls: [{ turn: 1, tool: 'ledger.lookup', args: { entry: 'E-1' }, outcome: 'ok', result: { amount: 120 } }],
    });
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(lookups).toEqual(['E-1']);
    expect(model.calls).toBe(2);
    const run = await vigil.getRun(id);
    expect(run!.steps.map((s) => [s.name, s.kind, s.status])).toEqual([
      ['agent:turn-1', 'llm', 'completed'],
      ['agent:ledger.lookup', 'tool', 'completed'],
      ['agent:turn-2', 'llm', 'completed'],
    ]);
    expect(decided).toEqual([
      expect.objectContaining({
        tool: 'ledger.lookup',
        decision: 'allowed',
        reasoning: 'I need the ledger entry first.',
      }),
    ]);
    await vigil.audit.flush();
    const [entry] = (await vigil.audit.list({ runId: id, type: 'policy.decided' })).entries;
    expect(entry!.data).toMatchObject({ tool: 'ledger.lookup', reasoning: 'I need the ledger entry first.' });
  });

  it('returns a denied call to the model as an error it can react to; the tool never sees it', async () => {
    const script: Script = ({ toolResults }) => {
      if (toolResults.length === 0) {
        return { text: 'Compare with E-2.', toolCalls: [{ tool: 'ledger.lookup', args: { entry: 'E-2' } }] };
      }
      if (toolResults.length === 1) {
        return { text: 'Then my own entry.', toolCalls: [{ tool: 'ledger.lookup', args: { entry: 'E-1' } }] };
      }
      return `Done after: ${toolResults.map((r) => (r.isError ? 'error' : 'ok')).join(', ')}`;
    };
    const policy = {
      tools: ['ledger.lookup', 'ledger.fix'],
      constraints: { 'ledger.lookup': { entry: '$input.entry' } },
    };
    const { vigil, wf, lookups } = agentVigil(script, {}, policy);
    const decided = decisions(vigil);
    const { id } = await vigil.start(wf, { entry: 'E-1' });
    const result = await h.result<AgentResult>(vigil, id);

    expect(lookups).toEqual(['E-1']);
    expect(result.stopReason).toBe('answered');
    expect(result.text).toBe('Done after: error, ok');
    expect(result.toolCalls.map((c) => c.outcome)).toEqual(['denied', 'ok']);
    expect(result.toolCalls[0]!.error).toMatch(/^Denied: .*constraints\.ledger\.lookup\.entry/);
    const told = result.messages[2]!;
    expect(told).toMatchObject({ role: 'tool', tool: 'ledger.lookup', isError: true });
    expect(decided.map((d) => [d.decision, d.reasoning])).toEqual([
      ['denied', 'Compare with E-2.'],
      ['allowed', 'Then my own entry.'],
    ]);
    // The run goes on: the denied step failed, and the model was told.
    const run = await vigil.getRun(id);
    expect(run!.status).toBe('completed');
    expect(run!.steps.find((s) => s.name === 'agent:ledger.lookup')).toMatchObject({ status: 'failed' });
    await vigil.audit.flush();
    const audited = (await vigil.audit.list({ runId: id, type: 'policy.decided' })).entries.map((e) => e.data);
    expect(audited[0]).toMatchObject({ decision: 'denied', args: { entry: 'E-2' }, reasoning: 'Compare with E-2.' });
  });

  it('suspends the loop on a call that needs approval, until a human approves or rejects it', async () => {
    const script: Script = ({ toolResults }) =>
      toolResults.length === 0
        ? { text: 'Propose the fix.', toolCalls: [{ tool: 'ledger.fix', args: { entry: 'E-1', amount: 100 } }] }
        : toolResults[0]!.isError
          ? `Not fixed: ${String(toolResults[0]!.output)}`
          : 'Fixed.';
    const policy = { tools: ['ledger.lookup', 'ledger.fix'], approval: { 'ledger.fix': { assignee: 'controller' } } };
    const { vigil, wf, fixes } = agentVigil(script, {}, policy);

    const approved = await vigil.start(wf, { entry: 'E-1' });
    await h.until(async () => (await vigil.getRun(approved.id))?.status === 'waiting');
    const [ask] = (await vigil.escalations.list({ runId: approved.id })).escalations;
    expect(ask).toMatchObject({
      kind: 'approval',
      step: 'agent:ledger.fix',
      assignee: 'controller',
      summary: "The agent's reasoning: Propose the fix.",
    });
    expect(ask!.context).toMatchObject({
      tool: 'ledger.fix',
      args: { entry: 'E-1', amount: 100 },
      reasoning: 'Propose the fix.',
    });
    expect(fixes).toEqual([]);
    await vigil.escalations.resolve(ask!.id, { decision: 'approve' });
    expect(await h.result<AgentResult>(vigil, approved.id)).toMatchObject({ text: 'Fixed.', stopReason: 'answered' });
    expect(fixes).toEqual(['E-1']);

    const rejected = await vigil.start(wf, { entry: 'E-1' });
    await h.until(async () => (await vigil.getRun(rejected.id))?.status === 'waiting');
    const [second] = (await vigil.escalations.list({ runId: rejected.id })).escalations;
    await vigil.escalations.resolve(second!.id, { decision: 'reject', note: 'the bank is wrong, not us' });
    const result = await h.result<AgentResult>(vigil, rejected.id);
    expect(result.text).toMatch(/^Not fixed: Denied: .*the bank is wrong, not us/);
    expect(result.toolCalls[0]!.outcome).toBe('denied');
    expect(fixes).toEqual(['E-1']);
  });

  it('stops a runaway loop at its budget and escalates; skip ends the loop with what it has', async () => {
    let n = 0;
    const runaway: Script = () => ({
      text: 'One more look.',
      toolCalls: [{ tool: 'ledger.lookup', args: { entry: `E-${++n}` } }],
      usage: { input: 100, output: 100 },
    });
    // Each turn costs $0.20: the $0.50 budget is spent after three turns.
    const { vigil, wf, lookups } = agentVigil(runaway, { maxTurns: 50, budget: { usd: 0.5 }, escalateTo: 'finance' });
    const { id } = await vigil.start(wf, { entry: 'E-1' });
    await h.until(async () => (await vigil.getRun(id))?.status === 'waiting');
    const [ask] = (await vigil.escalations.list({ runId: id })).escalations;
    expect(ask).toMatchObject({ kind: 'manual', step: 'agent:budget', assignee: 'finance' });
    expect(ask!.reason).toMatch(/^Agent "agent" has spent \$0\.6000 of its \$0\.5 budget in 3 turns/);
    expect(lookups).toHaveLength(3);

    // retry grants as much again: two more turns, then the next escalation.
    await vigil.escalations.resolve(ask!.id, { decision: 'retry' });
    await h.until(async () => (await vigil.escalations.list({ runId: id, status: 'open' })).escalations.length === 1);
    expect(lookups).toHaveLength(5);
    const [again] = (await vigil.escalations.list({ runId: id, status: 'open' })).escalations;
    await vigil.escalations.resolve(again!.id, { decision: 'skip' });
    const result = await h.result<AgentResult>(vigil, id);
    expect(result).toMatchObject({ stopReason: 'budget', turns: 5 });
    expect(result.costUsd).toBeCloseTo(1, 9);
  });

  it('refuses a repeated identical call, and ends the loop when the model keeps repeating it', async () => {
    const stuck: Script = () => ({ text: '', toolCalls: [{ tool: 'ledger.lookup', args: { entry: 'E-1' } }] });
    const { vigil, wf, lookups } = agentVigil(stuck, { maxIdenticalCalls: 2 });
    const { id } = await vigil.start(wf, { entry: 'E-1' });
    const result = await h.result<AgentResult>(vigil, id);
    expect(lookups).toEqual(['E-1', 'E-1']);
    expect(result.stopReason).toBe('repeated_calls');
    expect(result.toolCalls.map((c) => c.outcome)).toEqual(['ok', 'ok', 'refused', 'refused']);
    expect(result.toolCalls[2]!.error).toBe(
      'Not run: ledger.lookup was already called 2 times with these arguments. Use that result.',
    );
  });

  it('ends at maxTurns or when stopWhen says so, and tells the model of a tool it was not given', async () => {
    let n = 0;
    const looping: Script = () => ({ text: '', toolCalls: [{ tool: 'ledger.lookup', args: { entry: `E-${++n}` } }] });
    const capped = agentVigil(looping, { maxTurns: 3 });
    const first = await capped.vigil.start(capped.wf, { entry: 'E-1' });
    expect(await h.result<AgentResult>(capped.vigil, first.id)).toMatchObject({ stopReason: 'max_turns', turns: 3 });

    const wandering: Script = ({ toolResults }) =>
      toolResults.length === 0
        ? { text: '', toolCalls: [{ tool: 'bank.transfer', args: {} }] }
        : { text: '', toolCalls: [{ tool: 'ledger.lookup', args: { entry: 'E-9' } }] };
    const stopped = agentVigil(wandering, { stopWhen: (state) => state.toolCalls.some((c) => c.outcome === 'ok') });
    const second = await stopped.vigil.start(stopped.wf, { entry: 'E-1' });
    const result = await h.result<AgentResult>(stopped.vigil, second.id);
    expect(result).toMatchObject({ stopReason: 'stop_when', turns: 2 });
    expect(result.toolCalls[0]).toMatchObject({
      outcome: 'refused',
      error: 'There is no tool named bank_transfer. The tools are: ledger_lookup, ledger_fix.',
    });
  });

  it('checks its options where the call is written', async () => {
    const wf = defineWorkflow({ name: 'bad-agent', input: z.object({}) }, async (ctx) =>
      ctx.agent({ goal: 'x', tools: [], maxTurns: 0 }),
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    const { id } = await vigil.start(wf, {});
    await h.until(async () => (await vigil.getRun(id))?.status === 'dead_lettered');
    expect((await vigil.getRun(id))!.error).toMatchObject({
      code: 'invalid_argument',
      message: 'ctx.agent("agent"): maxTurns must be a whole number from 1 to 1000',
    });
  });
});
