/**
 * The spans of an agent loop and of the places a run stands still, with an in-memory exporter:
 * `invoke_agent` around `ctx.agent` with its turns' `chat` and tools' `execute_tool` spans as
 * children, and span events for sleeps, escalations opened and resolved.
 */
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { Harness } from '../../test/helpers/harness.js';
import { defineTool } from '../core/tool.js';
import { defineWorkflow } from '../core/workflow.js';
import { scriptedModel, type Script } from '../llm/scripted-model.js';

const Input = z.object({ entry: z.string() });

const lookup = defineTool({
  name: 'ledger.lookup',
  description: 'Reads one ledger entry',
  input: Input,
  output: z.object({ entry: z.string(), amount: z.number() }),
  run: ({ entry }) => ({ entry, amount: 120 }),
});

const script: Script = ({ toolResults }) =>
  toolResults.length === 0
    ? { text: 'I need the entry.', toolCalls: [{ tool: 'ledger.lookup', args: { entry: 'E-1' } }] }
    : 'E-1 is booked at 120; the bank has 100.';

// Spans do not depend on the store, so one dialect is enough here.
describe('agent and wait spans', () => {
  let h: Harness;
  let exporter: InMemorySpanExporter;
  let provider: BasicTracerProvider;
  beforeEach(() => {
    h = new Harness('sqlite');
    exporter = new InMemorySpanExporter();
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });
  afterEach(async () => {
    await h.cleanup();
    await provider.shutdown();
  });

  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const named = (prefix: string): ReadableSpan[] => spans().filter((s) => s.name.startsWith(prefix));
  const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
  const idOf = (span: ReadableSpan): string => span.spanContext().spanId;

  it('nests an agent’s chat and execute_tool spans under invoke_agent, and marks sleeps and escalations', async () => {
    const wf = defineWorkflow({ name: 'tracing.agent', input: Input }, async (ctx, input) => {
      const found = await ctx.agent({ name: 'investigator', goal: `Why does ${input.entry} differ?`, tools: [lookup] });
      await ctx.sleep('cool-off', '1s');
      const review = await ctx.escalate({ name: 'review', reason: 'Confirm the correction' });
      return { text: found.text, decision: review.decision };
    });
    const model = scriptedModel({ modelId: 'agent-model', script });
    const vigil = h.vigil([wf], {
      worker: { pollMs: 100 },
      llm: { models: { default: model } },
      pricing: { 'agent-model': { input: 1000, output: 1000 } },
      tracing: { tracerProvider: provider },
    });
    const { id } = await vigil.start(wf, { entry: 'E-1' });
    await h.until(async () => (await vigil.escalations.list({ runId: id })).escalations.length === 1);
    const [open] = (await vigil.escalations.list({ runId: id })).escalations;
    await h.until(async () => (await vigil.getRun(id))?.status === 'waiting');
    await vigil.escalations.resolve(open!.id, { decision: 'skip' });
    expect(await h.result(vigil, id)).toEqual({ text: 'E-1 is booked at 120; the bank has 100.', decision: 'skip' });
    await h.until(() => named('run tracing.agent').length === 3);

    // Three executions: to the sleep, to the escalation, and after its resolution.
    const [first, second, third] = named('run tracing.agent').sort(
      (a, b) => Number(a.attributes['vigil.run.attempt']) - Number(b.attributes['vigil.run.attempt']),
    );

    // One invoke_agent span, in the execution that ran the loop; replays of the loop add none.
    const agents = named('invoke_agent');
    expect(agents.map((s) => s.name)).toEqual(['invoke_agent investigator']);
    const [agent] = agents;
    expect(parentOf(agent!)).toBe(idOf(first!));
    expect(agent!.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'investigator',
      'vigil.agent.outcome': 'completed',
      'vigil.agent.stop_reason': 'answered',
      'vigil.agent.turns': 2,
    });
    expect(agent!.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    const children = spans().filter((s) => parentOf(s) === idOf(agent!));
    expect(children.map((s) => s.name)).toEqual(['chat agent-model', 'execute_tool ledger.lookup', 'chat agent-model']);
    expect(children.map((s) => s.attributes['gen_ai.operation.name'])).toEqual(['chat', 'execute_tool', 'chat']);

    // The sleep: an event on the execution it suspended, and the suspension on its span.
    const waitOf = (run: ReadableSpan) => run.events.filter((e) => e.name === 'vigil.wait').map((e) => e.attributes);
    expect(waitOf(first!)).toEqual([
      expect.objectContaining({
        'vigil.step.name': 'cool-off',
        'vigil.step.kind': 'sleep',
        'vigil.wait.status': 'sleeping',
        'vigil.wait.wake_at': expect.any(String) as string,
      }),
    ]);
    expect(first!.attributes).toMatchObject({
      'vigil.run.outcome': 'suspended',
      'vigil.run.suspended_status': 'sleeping',
    });

    // The escalation: opened and waited on in the second execution, resolved in the third.
    const eventNames = (run: ReadableSpan) => run.events.map((e) => e.name);
    expect(eventNames(second!)).toEqual(['vigil.wait', 'escalation.opened']);
    expect(waitOf(second!)).toEqual([
      expect.objectContaining({
        'vigil.step.name': 'review',
        'vigil.wait.status': 'waiting',
        'vigil.escalation.id': open!.id,
      }),
    ]);
    expect(second!.events[1]!.attributes).toMatchObject({
      'vigil.escalation.id': open!.id,
      'vigil.escalation.blocking': true,
    });
    expect(second!.attributes['vigil.run.suspended_status']).toBe('waiting');
    const [resolved] = third!.events;
    expect(resolved!.name).toBe('escalation.resolved');
    expect(resolved!.attributes).toMatchObject({
      'vigil.escalation.id': open!.id,
      'vigil.escalation.decision': 'skip',
    });
    expect(resolved!.attributes!['vigil.escalation.open_ms']).toBeGreaterThanOrEqual(0);
    expect(third!.attributes['vigil.run.outcome']).toBe('completed');
  });
});
