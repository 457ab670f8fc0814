import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import { OpenAiTestServer } from '../../test/helpers/openai-test-server.js';
import type { LlmCallOptions, LlmResult } from '../core/llm-call.js';
import { defineTool } from '../core/tool.js';
import { defineWorkflow } from '../core/workflow.js';
import type { RuntimeEventMap } from './events.js';

const Empty = z.object({});
const NO_JITTER = { jitter: 'none' as const };

function record<K extends keyof RuntimeEventMap>(
  vigil: { events: { on: (k: K, l: (p: RuntimeEventMap[K]) => void) => void } },
  name: K,
) {
  const seen: Array<RuntimeEventMap[K]> = [];
  vigil.events.on(name, (payload) => seen.push(payload));
  return seen;
}

describe.each(DIALECTS)('ctx.llm over real HTTP on %s', (dialect: Dialect) => {
  let h: Harness;
  let server: OpenAiTestServer;
  beforeEach(async () => {
    h = new Harness(dialect);
    server = await new OpenAiTestServer().start();
  });
  afterEach(async () => {
    await server.stop();
    await h.cleanup();
  });

  /**
   * `h.until` with a real pause per slice: the model answers over real HTTP in real time, and a
   * fake clock racing ahead would time the call out before the answer arrived.
   */
  async function until(predicate: () => boolean | Promise<boolean>, stepMs = 50): Promise<void> {
    for (let waited = 0; waited <= 120_000; waited += stepMs) {
      if (await predicate()) return;
      await h.clock.advance(stepMs);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('condition not met within 120 s of fake time');
  }

  async function result<T = unknown>(vigil: ReturnType<typeof vigilFor>, id: string): Promise<T> {
    await until(async () =>
      ['completed', 'completed_partial', 'failed', 'cancelled'].includes((await vigil.getRun(id))?.status ?? ''),
    );
    return vigil.result<T>(id);
  }

  /** A Vigil whose `default` model is the test server (as a local vLLM: free unless priced). */
  function vigilFor(wf: Parameters<Harness['vigil']>[0][number], extra: Parameters<Harness['vigil']>[1] = {}) {
    return h.vigil([wf], {
      worker: { pollMs: 100 },
      llm: {
        models: {
          default: { provider: 'vllm', model: 'test-model', baseURL: server.baseURL },
          priced: { provider: 'openai-compatible', model: 'test-priced', baseURL: server.baseURL },
        },
      },
      pricing: { 'test-priced': { input: 1000, output: 1000 } },
      ...extra,
    });
  }

  function llmWorkflow(name: string, options: LlmCallOptions<unknown>, budget?: { usd: number }) {
    return defineWorkflow({ name, input: Empty, ...(budget ? { budget } : {}) }, async (ctx) => {
      const answer = await ctx.llm(options);
      await ctx.sleep('pause', '2s');
      return answer;
    });
  }

  it('checkpoints a completed call, never repeats it on replay, streams tokens and records model and tokens', async () => {
    server.script([{ text: 'The patient is stable and may go home.', usage: { prompt: 40, completion: 9 } }]);
    const wf = llmWorkflow('summary', { system: 'Be brief.', prompt: 'Summarise the stay', name: 'summarise' });
    const vigil = vigilFor(wf);
    const tokens = record(vigil, 'llm.token');
    const { id } = await vigil.start(wf, {});
    const answer = await result<Record<string, unknown>>(vigil, id);

    expect(answer).toMatchObject({
      text: 'The patient is stable and may go home.',
      usage: { input: 40, output: 9, cached: 0, reasoning: 0 },
      costUsd: 0,
      model: 'test-model',
    });
    // The run slept and was replayed: the server answered once.
    expect(server.completed).toBe(1);
    expect(server.seen[0]).toMatchObject({ model: 'test-model', stream: true });
    expect(server.seen[0]!.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.map((t) => t.text).join('')).toBe(answer['text']);
    expect(tokens[0]).toMatchObject({ runId: id, step: 'summarise', seq: 1 });
    const step = (await vigil.getRun(id))!.steps[0]!;
    expect(step).toMatchObject({ name: 'summarise', kind: 'llm', status: 'completed', attempts: 1 });
    expect(step.llm).toMatchObject({ model: 'test-model', tokens: { input: 40, output: 9 }, costUsd: 0 });
  });

  it("honours a 429's Retry-After before the next attempt", async () => {
    server.fail({ kind: 'rate_limited', retryAfterSeconds: 7 }).script(['ok']);
    const wf = llmWorkflow('limited', { prompt: 'hi', retry: { attempts: 3, initialDelay: '100ms', ...NO_JITTER } });
    const vigil = vigilFor(wf);
    const retrying = record(vigil, 'step.retrying');
    const { id } = await vigil.start(wf, {});
    await until(() => retrying.length === 1);
    const refusedAt = h.clock.now();
    await until(() => server.seen.length === 2, 250);
    // The second request waited for the fake clock to pass the 7 s the server asked for.
    expect(h.clock.now() - refusedAt).toBeGreaterThanOrEqual(7000);
    expect(retrying[0]!.delayMs).toBe(7000);
    expect(retrying[0]!.error.message).toMatch(/rate limited/i);
    expect(await result(vigil, id)).toMatchObject({ text: 'ok' });
    expect(server.completed).toBe(1);
  });

  it('does not retry a 400, and continues with the fallback when the server is down', async () => {
    server.fail({ kind: 'bad_request' });
    const bad = llmWorkflow('bad', { prompt: 'x', fallback: 'template text' });
    const vigil = vigilFor(bad);
    const { id } = await vigil.start(bad, {});
    expect(await result(vigil, id)).toMatchObject({ text: 'template text', model: 'fallback', costUsd: 0 });
    expect(server.seen).toHaveLength(1);
    expect((await vigil.getRun(id))!.steps[0]).toMatchObject({ status: 'degraded', attempts: 1 });
    // A call that went on with its fallback is a run that went on without its real result.
    expect((await vigil.getRun(id))!.status).toBe('completed_partial');

    await server.stop();
    const down = llmWorkflow('down', {
      prompt: 'x',
      retry: { attempts: 2, initialDelay: '1s', ...NO_JITTER },
      fallback: (error) => ({ text: `template (${error.message.slice(0, 20)})` }),
    });
    const second = vigilFor(down);
    const run = await second.start(down, {});
    const degraded = await result<{ text: string }>(second, run.id);
    expect(degraded.text).toMatch(/^template \(/);
    expect((await second.getRun(run.id))!.steps[0]).toMatchObject({ status: 'degraded', attempts: 2 });
  });

  it('checks structured output, retrying an answer the schema refuses', async () => {
    server.script(['{"severity":"bogus"}', '```json\n{"severity":"high","reason":"fever"}\n```']);
    const Triage = z.object({ severity: z.enum(['low', 'high']), reason: z.string() });
    const wf = llmWorkflow('triage', { prompt: 'Triage', output: Triage, retry: { attempts: 2, ...NO_JITTER } });
    const vigil = vigilFor(wf);
    const { id } = await vigil.start(wf, {});
    expect(await result(vigil, id)).toMatchObject({ object: { severity: 'high', reason: 'fever' } });
    const step = (await vigil.getRun(id))!.steps[0]!;
    expect(step.attempts).toBe(2);
    expect(step.failedAttempts[0]!.error).toMatchObject({ code: 'llm_output_invalid' });
  });

  it('records the cost of a priced model in the ledger, and a budget refusal escalates without calling', async () => {
    server.script([{ text: 'priced answer', usage: { prompt: 100, completion: 20 } }]);
    const wf = llmWorkflow(
      'priced',
      { model: 'priced', prompt: 'hi', maxOutputTokens: 50, reasoning: 'to test' },
      { usd: 1 },
    );
    const vigil = vigilFor(wf);
    const spend = record(vigil, 'spend.recorded');
    const { id } = await vigil.start(wf, {});
    expect(await result(vigil, id)).toMatchObject({ costUsd: 0.12, model: 'test-priced' });
    expect(spend).toHaveLength(1);
    expect(spend[0]).toMatchObject({
      kind: 'llm',
      target: 'test-priced',
      usd: 0.12,
      tokens: { input: 100, output: 20, cached: 0, reasoning: 0 },
      reasoning: 'to test',
    });
    expect(spend[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    const rows = await h.sql(
      'SELECT kind, target, state, CAST(input_tokens AS INTEGER) AS input_tokens, CAST(output_tokens AS INTEGER) AS output_tokens FROM spend_ledger',
    );
    expect(rows).toEqual([
      { kind: 'llm', target: 'test-priced', state: 'settled', input_tokens: 100, output_tokens: 20 },
    ]);
    expect((await vigil.getRun(id))!.steps[0]!.costUsd).toBeCloseTo(0.12, 9);
    // The audit trail records the LLM call: model, tokens, cost and the stated reasoning.
    await vigil.audit.flush();
    const [entry] = (await vigil.audit.list({ runId: id, type: 'spend.recorded' })).entries;
    expect(entry!.data).toMatchObject({ kind: 'llm', target: 'test-priced', usd: 0.12, reasoning: 'to test' });

    // 1024 output tokens at $0.001 each cannot fit a $0.50 budget: refused before any request.
    const big = llmWorkflow('too-big', { model: 'priced', prompt: 'hi' }, { usd: 0.5 });
    const second = vigilFor(big);
    const run = await second.start(big, {});
    await until(async () => (await second.getRun(run.id))?.status === 'waiting');
    const [escalation] = (await second.escalations.list({ runId: run.id })).escalations;
    expect(escalation).toMatchObject({ kind: 'budget', step: 'llm' });
    expect(server.seen).toHaveLength(1);
  });
  it('offers tools as functions and reports the calls the model makes by their Vigil names, without running them', async () => {
    let ran = 0;
    const lookup = defineTool({
      name: 'ledger.lookup',
      description: 'Reads one ledger entry',
      input: z.object({ entry: z.string() }),
      output: z.object({ amount: z.number() }),
      run: () => {
        ran++;
        return { amount: 1 };
      },
    });
    server.script([{ text: 'Looking it up.', toolCalls: [{ name: 'ledger_lookup', args: { entry: 'E-1' } }] }]);
    const wf = llmWorkflow('tooled', {
      messages: [
        { role: 'user', content: 'Check E-1' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c0', tool: 'ledger.lookup', args: { entry: 'E-0' } }] },
        { role: 'tool', toolCallId: 'c0', tool: 'ledger.lookup', content: { amount: 5 } },
      ],
      tools: [lookup],
    });
    const vigil = vigilFor(wf);
    const { id } = await vigil.start(wf, {});
    const answer = await result<LlmResult>(vigil, id);

    expect(answer.toolCalls).toEqual([{ id: 'call_0_0', tool: 'ledger.lookup', args: { entry: 'E-1' } }]);
    // What the model says beside its calls is its stated reasoning.
    expect(answer.reasoning).toBe('Looking it up.');
    expect(ran).toBe(0);
    const body = server.seen[0]!.body as { tools: Array<{ function: { name: string; description: string } }> };
    expect(body.tools.map((t) => [t.function.name, t.function.description])).toEqual([
      ['ledger_lookup', 'Reads one ledger entry'],
    ]);
    // The earlier call and its result reached the server in the provider's shape.
    expect(server.seen[0]!.messages.slice(1)).toMatchObject([
      { role: 'assistant', tool_calls: [{ id: 'c0', function: { name: 'ledger_lookup' } }] },
      { role: 'tool', tool_call_id: 'c0', content: '{"amount":5}' },
    ]);
  });

  it('refuses a malformed conversation where the call is written', () => {
    const wf = llmWorkflow('malformed', { messages: [{ role: 'tool', content: 'x' } as never] });
    const vigil = vigilFor(wf);
    return expect(
      vigil.start(wf, {}).then(async ({ id }) => {
        await until(async () => (await vigil.getRun(id))?.status === 'dead_lettered');
        return (await vigil.getRun(id))!.error;
      }),
    ).resolves.toMatchObject({ message: 'ctx.llm("llm"): messages[0] must name its toolCallId and tool' });
  });
});
