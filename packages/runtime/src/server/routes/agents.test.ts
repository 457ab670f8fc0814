import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../../test/helpers/harness.js';
import { defineWorkflow } from '../../core/workflow.js';
import { serveApi, type ServedApi } from '../../testing/serve-api.js';

const learner = defineWorkflow(
  { name: 'agents.learner', agent: 'reconciler', input: z.object({ keys: z.array(z.string()) }) },
  async (ctx, input) => {
    for (const key of input.keys) await ctx.memory.agent().set(key, { learned: key });
    await ctx.memory.agent().delete('gone');
    return 'ok';
  },
);

describe.each(DIALECTS)('GET /v1/agents/:name/memory on %s', (dialect: Dialect) => {
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

  it('lists what an agent remembers, paged, without deleted keys; bad queries get 400', async () => {
    const vigil = h.vigil([learner], { worker: { pollMs: 100 } });
    api = await serveApi(vigil);
    const { id } = await vigil.start(learner, { keys: ['b', 'a', 'gone', 'c'] });
    expect(await h.result(vigil, id)).toBe('ok');
    const get = async (path: string) => {
      const response = await fetch(`${api!.url}${path}`, { headers: { authorization: `Bearer ${api!.apiKey}` } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const first = await get('/v1/agents/reconciler/memory?limit=2');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      agent: 'reconciler',
      entries: [
        { key: 'a', value: { learned: 'a' }, version: 1, writer: `${id}:2` },
        { key: 'b', value: { learned: 'b' }, version: 1, writer: `${id}:1` },
      ],
      nextCursor: 'b',
    });
    expect((first.body['entries'] as unknown[]).length).toBe(2);
    const second = await get('/v1/agents/reconciler/memory?limit=2&after=b');
    expect(second.body).toMatchObject({ entries: [{ key: 'c', version: 1 }], nextCursor: null });
    expect((await get('/v1/agents/nobody/memory')).body).toEqual({ agent: 'nobody', entries: [], nextCursor: null });
    expect(await get('/v1/agents/reconciler/memory?limit=0')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', path: 'limit' } },
    });
    expect(await get('/v1/agents/bad%20name/memory')).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_argument' } },
    });
  });
});
