/**
 * `GET /v1/stream` over real HTTP on both dialects: changes made by another process (another
 * Vigil on the same database, with its own worker) arrive by polling; this process's own at once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { approval } from '../../../test/fixtures/operator-workflows.js';
import { DIALECTS, Harness, type Dialect } from '../../../test/helpers/harness.js';
import { defineWorkflow } from '../../core/workflow.js';
import { serveApi, type ServedApi } from '../../testing/serve-api.js';

interface SseMessage {
  event?: string;
  data?: Record<string, unknown>;
  comment?: string;
}

/** Opens the deployment stream and collects its messages until `close`. */
async function open(api: ServedApi) {
  const abort = new AbortController();
  const response = await fetch(`${api.url}/v1/stream`, {
    headers: { authorization: `Bearer ${api.apiKey}` },
    signal: abort.signal,
  });
  const messages: SseMessage[] = [];
  // Read to the end in the background; a failure surfaces from `close` (the server may close first when a test fails).
  const done = (async (): Promise<unknown> => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          messages.push(parseBlock(buffer.slice(0, end)));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) return error;
    }
    return undefined;
  })();
  return {
    response,
    messages,
    close: async () => {
      abort.abort();
      const error = await done;
      if (error !== undefined) throw error as Error;
    },
  };
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

const runStatuses = (messages: SseMessage[], id: string) =>
  messages.filter((m) => m.event === 'run' && m.data?.['id'] === id).map((m) => m.data!['status']);

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DIALECTS)('GET /v1/stream on %s', (dialect: Dialect) => {
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

  const echo = defineWorkflow({ name: 'stream.echo', input: z.object({ n: z.number() }) }, (ctx, input) =>
    ctx.step('echo', () => input.n),
  );

  it('sends the run changes of another process by polling, once each, and this process’s own at once', async () => {
    // The served process has no worker; the other one executes runs.
    const served = h.vigil([echo]);
    api = await serveApi(served);
    const stream = await open(api);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toContain('text/event-stream');

    // Started here: its creation goes out without the clock moving (this process's event).
    const local = await served.start(echo, { n: 1 });
    for (let i = 0; i < 200 && runStatuses(stream.messages, local.id).length === 0; i++) await tick(10);
    expect(runStatuses(stream.messages, local.id)[0]).toBe('queued');
    // The worker opens only now: the stream reads a run's status when this process's event says
    // it changed, and a worker already listening could have claimed the run before that read.
    const other = h.vigil([echo], { worker: { pollMs: 100 } });

    // Started and executed by the other process: seen by the poll.
    const remote = await other.start(echo, { n: 2 });
    await h.until(() => runStatuses(stream.messages, remote.id).includes('completed'), { stepMs: 250 });
    await h.until(() => runStatuses(stream.messages, local.id).includes('completed'), { stepMs: 250 });
    const message = stream.messages.find((m) => m.event === 'run' && m.data?.['id'] === remote.id)!;
    expect(Object.keys(message.data!).sort()).toEqual(['id', 'status', 'updatedAt', 'workflow']);
    expect(message.data!['workflow']).toBe('stream.echo');

    // More polls send nothing again; a heartbeat keeps the connection while nothing happens.
    const sent = stream.messages.filter((m) => m.event === 'run').length;
    await h.until(() => stream.messages.some((m) => m.comment === 'heartbeat'), { stepMs: 1000 });
    expect(stream.messages.filter((m) => m.event === 'run')).toHaveLength(sent);
    const versions = stream.messages
      .filter((m) => m.event === 'run')
      .map((m) => `${String(m.data!['id'])} ${String(m.data!['status'])} ${String(m.data!['updatedAt'])}`);
    expect(new Set(versions).size).toBe(versions.length);
    await stream.close();
  });

  it('answers at once on a quiet deployment: headers and an `open` comment before any change or heartbeat', async () => {
    api = await serveApi(h.vigil([echo]));
    const stream = await open(api);
    expect(stream.response.status).toBe(200);
    for (let i = 0; i < 200 && stream.messages.length === 0; i++) await tick(10);
    // The heartbeat is 15 s away: the first message is the comment sent on opening.
    expect(stream.messages[0]).toEqual({ comment: 'open' });
    await stream.close();
  });

  it('sends escalations opened and resolved anywhere in the deployment', async () => {
    const served = h.vigil([approval]);
    const other = h.vigil([approval], { worker: { pollMs: 100 } });
    api = await serveApi(served);
    const stream = await open(api);
    const { id } = await other.start(approval, { dose: 900, reviewer: 'pharmacist' });
    const escalations = () => stream.messages.filter((m) => m.event === 'escalation').map((m) => m.data!);
    await h.until(() => escalations().length === 1, { stepMs: 250 });
    expect(escalations()[0]).toMatchObject({ runId: id, status: 'open' });
    const escalationId = escalations()[0]!['id'] as string;

    // Resolved through the served API: this process's event sends it at once.
    const resolved = await fetch(`${api.url}/v1/escalations/${escalationId}/resolve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'provide', value: { dose: 500 } }),
    });
    expect(resolved.status).toBe(200);
    for (let i = 0; i < 200 && escalations().length < 2; i++) await tick(10);
    expect(escalations()[1]).toEqual({ id: escalationId, runId: id, status: 'resolved' });
    await h.until(() => runStatuses(stream.messages, id).includes('completed'), { stepMs: 250 });
    await stream.close();
  });
});
