import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import { httpApp } from '../../test/helpers/http-app.js';
import { OpenAiTestServer } from '../../test/helpers/openai-test-server.js';
import { defineTool } from '../core/tool.js';
import { defineWorkflow } from '../core/workflow.js';
import { REDACTED, redactionRules } from '../governance/audit-redaction.js';
import type { StepDetails } from './run-view.js';
import { MAX_STEP_INPUT_BYTES, toolStepInput } from './step-input.js';

const Args = z.object({ patientId: z.string(), apiKey: z.string(), notes: z.string(), count: z.coerce.number() });

function flakyTool(failures: number) {
  let calls = 0;
  const tool = defineTool({
    name: 'pharmacy.order',
    input: Args,
    output: z.object({ ok: z.boolean() }),
    retry: { attempts: 3, initialDelay: '1s', jitter: 'none' },
    run: () => {
      calls++;
      if (calls <= failures) throw new Error('pharmacy busy');
      return { ok: true };
    },
  });
  return { tool, calls: () => calls };
}

describe('toolStepInput', () => {
  it('redacts default keys, tool-argument paths of the trail and step.input paths, at any depth', () => {
    const rules = redactionRules({ redactPaths: ['policy.decided.args.notes', 'step.input.meds.dose', 'log.ward'] });
    const args = {
      ward: 'B',
      notes: 'n',
      password: 'p',
      meds: [{ name: 'warfarin', dose: 5 }],
      nested: { token: 't' },
    };
    expect(JSON.parse(toolStepInput(args, rules))).toEqual({
      ward: 'B',
      notes: REDACTED,
      password: REDACTED,
      meds: [{ name: 'warfarin', dose: REDACTED }],
      nested: { token: REDACTED },
    });
    // The rules are not changed for the audit trail's own use.
    expect(rules.paths).toHaveLength(3);
  });
});

describe.each(DIALECTS)('step input on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it("records a tool call's checked arguments, redacted by the audit rules, once, through its retries", async () => {
    const { tool, calls } = flakyTool(1);
    const wf = defineWorkflow({ name: 'input.tool', input: z.object({ big: z.boolean() }) }, async (ctx, input) => {
      await ctx.tool(tool, {
        patientId: input.big ? 'x'.repeat(MAX_STEP_INPUT_BYTES) : 'P-1',
        apiKey: 'sk-live-123',
        notes: 'allergic to penicillin',
        // Coerced by the tool's schema: the recorded input is what the tool received.
        count: '2',
      });
      return ctx.step('plain', () => 1);
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 100 }, audit: { redactPaths: ['policy.decided.args.notes'] } });
    const { id } = await vigil.start(wf, { big: false });
    await h.result(vigil, id);
    expect(calls()).toBe(2);

    const request = httpApp(vigil, { role: 'viewer' });
    const tool1 = await request<StepDetails>('GET', `/v1/runs/${id}/steps/1`);
    expect(tool1.status).toBe(200);
    expect(tool1.body).toMatchObject({ kind: 'tool', status: 'completed', attempts: 2, output: { ok: true } });
    expect(tool1.body.input).toEqual({ patientId: 'P-1', apiKey: REDACTED, notes: REDACTED, count: 2 });
    // A plain step has no input to show.
    expect((await request<StepDetails>('GET', `/v1/runs/${id}/steps/2`)).body.input).toBeNull();
    // The secret is nowhere in the database.
    expect(JSON.stringify(await h.sql('SELECT input FROM steps'))).not.toContain('sk-live-123');

    const big = await vigil.start(wf, { big: true });
    await h.result(vigil, big.id);
    const capped = await request<StepDetails>('GET', `/v1/runs/${big.id}/steps/1`);
    expect(capped.body.input).toMatchObject({ truncated: true });
  });

  it('records an LLM call as a summary: model, message count, system prompt, tools, structured', async () => {
    const server = await new OpenAiTestServer().start();
    try {
      server.script([{ text: '{"home":true}', usage: { prompt: 10, completion: 3 } }]);
      const lookup = defineTool({
        name: 'ehr.read',
        input: z.object({ patientId: z.string() }),
        output: z.object({}),
        run: () => ({}),
      });
      const wf = defineWorkflow({ name: 'input.llm', input: z.object({}) }, async (ctx) =>
        ctx.llm({
          name: 'decide',
          system: 'You decide discharges.',
          messages: [
            { role: 'user', content: 'Patient P-1, secret note: do not show' },
            { role: 'assistant', content: 'Looking.' },
            { role: 'user', content: 'Go home?' },
          ],
          tools: [lookup],
          output: z.object({ home: z.boolean() }),
        }),
      );
      const vigil = h.vigil([wf], {
        worker: { pollMs: 100 },
        llm: { models: { default: { provider: 'vllm', model: 'test-model', baseURL: server.baseURL } } },
      });
      const { id } = await vigil.start(wf, {});
      for (let i = 0; i < 2000 && !['completed', 'failed'].includes((await vigil.getRun(id))!.status); i++) {
        await h.clock.advance(50);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const step = await httpApp(vigil)<StepDetails>('GET', `/v1/runs/${id}/steps/1`);
      expect(step.body).toMatchObject({ kind: 'llm', name: 'decide' });
      expect(step.body.input).toEqual({
        model: 'test-model',
        messages: 3,
        system: true,
        tools: ['ehr.read'],
        structured: true,
      });
      expect(JSON.stringify(step.body.input)).not.toContain('secret note');
    } finally {
      await server.stop();
    }
  });
});
