import { afterEach, beforeEach, expect, it } from 'vitest';

import { OpenAiTestServer } from '../../../packages/runtime/test/helpers/openai-test-server.js';
import { declaredSteps, step, useHospital } from './hospital-harness.js';
import { factsOfSummaryPrompt, SUMMARY_SYSTEM } from './summary-prompt.js';

const hospital = useHospital();
const WRITTEN = 'Ada goes home today on her usual medications; the clinic will see her next week.';

let server: OpenAiTestServer;
beforeEach(async () => {
  server = await new OpenAiTestServer(() => WRITTEN).start();
});
afterEach(async () => {
  await server.stop();
});

it('writes the summary on a real OpenAI-compatible server as `default`, and falls back to the template once it is down', async () => {
  const { run, discharge } = hospital(
    {},
    {
      llm: { models: { default: { provider: 'openai-compatible', model: 'test-model', baseURL: server.baseURL } } },
      realPauseMs: 5,
    },
  );
  const first = await discharge('P-1001');
  expect(first.output.summary).toEqual({ text: WRITTEN, writtenBy: 'test-model' });
  // One request, with the summary prompt: the facts the four steps before it gathered.
  expect(server.seen).toHaveLength(1);
  expect(server.answered).toHaveLength(1);
  const [request] = server.answered;
  expect(request!.model).toBe('test-model');
  expect(request!.messages.map((m) => m.role)).toEqual(['system', 'user']);
  expect(request!.messages[0]!.content).toBe(SUMMARY_SYSTEM);
  const facts = factsOfSummaryPrompt(request!.messages[1]!.content as string);
  expect(facts).toMatchObject({
    record: { patientId: 'P-1001', attendingPhysician: 'Dr. Rivera' },
    eligibility: { eligible: first.output.eligible },
    order: first.output.pharmacy,
    followUp: first.output.followUp,
  });
  const firstRun = await run(first.id);
  expect(firstRun.status).toBe('completed');
  expect(step(firstRun, 'summary')).toMatchObject({ kind: 'llm', status: 'completed', llm: { model: 'test-model' } });

  // The server goes down: both attempts fail to connect, the template writes the summary, and
  // the discharge finishes without it.
  await server.stop();
  const second = await discharge('P-1002');
  expect(second.output.summary.writtenBy).toBe('template');
  expect(second.output.summary.text).toMatch(/^Discharge summary for .+ \(P-1002\)/);
  const secondRun = await run(second.id);
  expect(step(secondRun, 'summary')).toMatchObject({ status: 'degraded', attempts: 2, costUsd: 0 });
  expect(step(secondRun, 'summary').failedAttempts.map((a) => a.error?.message)).toEqual([
    expect.stringContaining('ECONNREFUSED'),
    expect.stringContaining('ECONNREFUSED'),
  ]);
  expect(declaredSteps(secondRun).filter((s) => s.status !== 'completed')).toHaveLength(1);
  expect(server.seen).toHaveLength(1);
});
