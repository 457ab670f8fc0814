/**
 * A worker process SIGKILLed in the middle of an LLM call: the model server (a real HTTP server in
 * the test process) sees no completed request twice. The call that completed before the crash is
 * replayed from its checkpoint; the one that was in flight never completed, and is sent once more
 * by the worker that takes the run over.
 */

import { afterEach, beforeEach, expect, it } from 'vitest';

import { reviewer } from '../fixtures/workflows.js';
import { type SeenRequest } from '../helpers/openai-test-server.js';
import { LlmWorkers } from '../helpers/llm-workers.js';
import { eventually } from '../helpers/processes.js';

let rig: LlmWorkers;

const prompt = (request: SeenRequest) => request.messages.at(-1)?.content;

beforeEach(async () => {
  rig = await LlmWorkers.start('vigil-llm-crash-', [reviewer]);
});

afterEach(() => rig.close());

it('never completes a model request twice when its worker is killed in the middle of an LLM call', async () => {
  const { client, server } = rig;
  // The first request (the draft) is answered; the second (the review) is held open.
  server.failAt(1, { kind: 'hang' });
  const a = rig.worker();
  await a.waitFor(/worker started/);
  const { id } = await client.start(reviewer, { topic: 'the night shift' });

  await eventually(() => (server.seen.length === 2 ? true : undefined), 30_000, 'the review request');
  const draftPrompt = 'Draft a note about the night shift';
  const reviewPrompt = 'Review: You said: Draft a note about the night shift';
  expect(server.seen.map(prompt)).toEqual([draftPrompt, reviewPrompt]);
  expect(server.answered.map(prompt)).toEqual([draftPrompt]);
  const inFlight = await client.getRun(id);
  expect(inFlight!.steps.find((s) => s.name === 'review')).toMatchObject({ status: 'running', attempts: 1 });

  await a.kill('SIGKILL');
  const b = rig.worker();
  await b.waitFor(/worker started/);

  const run = await eventually(async () => {
    const current = await client.getRun(id);
    return current && ['completed', 'failed', 'cancelled'].includes(current.status) ? current : undefined;
  }, 30_000);
  expect(run.status).toBe('completed');
  expect(run.output).toEqual({ draft: `You said: ${draftPrompt}`, review: `You said: ${reviewPrompt}` });

  // The draft was asked once (replay used its checkpoint); the review, cut off by the kill, once more.
  expect(server.seen.map(prompt)).toEqual([draftPrompt, reviewPrompt, reviewPrompt]);
  expect(server.answered.filter((r) => prompt(r) === draftPrompt)).toHaveLength(1);
  expect(server.answered.filter((r) => prompt(r) === reviewPrompt)).toHaveLength(1);
  expect(server.completed).toBe(2);
  expect(run.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
    ['draft', 'completed', 1],
    ['review', 'completed', 2],
  ]);
});
