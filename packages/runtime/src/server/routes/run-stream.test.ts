import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, gate, type Dialect } from '../../../test/helpers/harness.js';
import { defineWorkflow } from '../../core/workflow.js';
import { serveApi, type ServedApi } from '../../testing/serve-api.js';

const Input = z.object({ n: z.number() });
const MISSING = '00000000-0000-7000-8000-000000000999';

interface SseMessage {
  event?: string;
  data?: Record<string, unknown>;
  comment?: string;
}

/** Reads a run's stream over HTTP, collecting its messages until the server ends it. */
async function follow(api: ServedApi, id: string) {
  const response = await fetch(`${api.url}/v1/runs/${id}/stream`, {
    headers: { authorization: `Bearer ${api.apiKey}` },
  });
  const messages: SseMessage[] = [];
  const state = { ended: false };
  const done = (async () => {
    if (!response.ok) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        messages.push(parseBlock(buffer.slice(0, end)));
        buffer = buffer.slice(end + 2);
      }
    }
    state.ended = true;
  })();
  return { response, messages, state, done };
}

function parseBlock(block: string): SseMessage {
  const message: SseMessage = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) message.comment = line.slice(1).trim();
    else if (line.startsWith('event: ')) message.event = line.slice(7);
    else if (line.startsWith('data: ')) message.data = JSON.parse(line.slice(6)) as Record<string, unknown>;
  }
  return message;
}

const stepEvents = (messages: SseMessage[]) =>
  messages.filter((m) => m.event?.startsWith('step.')).map((m) => [m.event, m.data?.['name']]);

describe.each(DIALECTS)('GET /v1/runs/:id/stream on %s', (dialect: Dialect) => {
  let h: Harness;
  let api: ServedApi | undefined;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
    await h.cleanup();
  });

  const twoSteps = (hold: Promise<void>) =>
    defineWorkflow({ name: 'stream.two', input: Input }, async (ctx, input) => {
      const a = await ctx.step('a', async () => (await hold, input.n + 1));
      await ctx.memory.set('a', a);
      const b = await ctx.step('b', () => a * 2);
      return { a, b };
    });

  it('sends a snapshot, then the run’s events as this process emits them, and ends when the run completes', async () => {
    const hold = gate();
    const wf = twoSteps(hold.promise);
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    api = await serveApi(vigil);
    const { id } = await vigil.start(wf, { n: 1 });
    const stream = await follow(api, id);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await vi.waitFor(() => expect(stream.messages.length).toBeGreaterThan(0));
    expect(stream.messages[0]).toMatchObject({ event: 'snapshot', data: { id, workflow: 'stream.two' } });
    expect(stream.state.ended).toBe(false);

    hold.open();
    await stream.done;
    expect(stream.state.ended).toBe(true);
    const after = stream.messages.slice(1);
    // Step "a" may have started before the stream opened; everything from its completion on is here.
    expect(stepEvents(after).filter(([event, name]) => !(event === 'step.started' && name === 'a'))).toEqual([
      ['step.completed', 'a'],
      ['step.started', 'b'],
      ['step.completed', 'b'],
    ]);
    expect(after.at(-1)).toMatchObject({ event: 'run.completed', data: { runId: id, status: 'completed' } });
    // The fake clock never moved: no poll ran, so each came from this process's events.
    expect(after.some((m) => m.data?.['polled'])).toBe(false);
  });

  it('follows a run executed by another Vigil on the same database by polling it, with heartbeats', async () => {
    const hold = gate();
    const wf = twoSteps(hold.promise);
    const worker = h.vigil([wf], { worker: { pollMs: 100 } });
    // The serving instance does not know the workflow, so it never executes the run.
    const server = h.vigil([], { worker: { pollMs: 100 } });
    api = await serveApi(server);
    const { id } = await worker.start(wf, { n: 1 });
    await h.until(async () => (await worker.getRun(id))?.steps.some((s) => s.name === 'a') ?? false);
    const stream = await follow(api, id);
    await vi.waitFor(() => expect(stream.messages[0]).toMatchObject({ event: 'snapshot' }));

    // Nothing happens for 15 s: a heartbeat comment keeps the connection alive.
    await h.until(() => stream.messages.some((m) => m.comment === 'heartbeat'), { stepMs: 500 });
    expect(stream.state.ended).toBe(false);

    hold.open();
    await h.until(() => stream.state.ended, { stepMs: 250 });
    const after = stream.messages.slice(1).filter((m) => m.event);
    // A poll may also catch step "b" running; each step's completion comes exactly once.
    expect(stepEvents(after).filter(([event]) => event === 'step.completed')).toEqual([
      ['step.completed', 'a'],
      ['step.completed', 'b'],
    ]);
    expect(after.at(-1)).toMatchObject({
      event: 'run.completed',
      data: { runId: id, status: 'completed', polled: true },
    });
    expect(after.every((m) => m.data?.['polled'] === true)).toBe(true);
  });

  it('answers 404 for an unknown run, and needs a key', async () => {
    const vigil = h.vigil([]);
    api = await serveApi(vigil);
    const unknown = await fetch(`${api.url}/v1/runs/${MISSING}/stream`, {
      headers: { authorization: `Bearer ${api.apiKey}` },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'run_not_found' } });
    const anonymous = await fetch(`${api.url}/v1/runs/${MISSING}/stream`);
    expect(anonymous.status).toBe(401);
  });

  it('sends the snapshot and ends at once for a run that has already finished', async () => {
    const hold = gate();
    hold.open();
    const wf = twoSteps(hold.promise);
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    api = await serveApi(vigil);
    const { id } = await vigil.start(wf, { n: 2 });
    expect(await h.result(vigil, id)).toEqual({ a: 3, b: 6 });
    const stream = await follow(api, id);
    await stream.done;
    expect(stream.messages).toHaveLength(1);
    expect(stream.messages[0]).toMatchObject({ event: 'snapshot', data: { id, status: 'completed' } });
  });
});
