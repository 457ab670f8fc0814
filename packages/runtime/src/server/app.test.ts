import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { Harness } from '../../test/helpers/harness.js';
import { appOptions, createKey } from '../../test/helpers/http-app.js';
import { defineWorkflow } from '../core/workflow.js';
import { createApp } from './app.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.cleanup());

const discharge = defineWorkflow(
  {
    name: 'patient.discharge',
    input: z.object({ patientId: z.string().regex(/^P-\d+$/) }),
    steps: ['record', 'notify'],
  },
  async (ctx, input) => {
    await ctx.step('record', () => input.patientId);
    await ctx.step('notify', () => true);
    return { done: input.patientId };
  },
);

let healthy = true;
async function setup(options: { worker?: boolean; maxBodyBytes?: number } = {}) {
  healthy = true;
  const vigil = h.vigil([discharge], options.worker ? { worker: { pollMs: 60_000 } } : {});
  await vigil.ready();
  const app = createApp(
    appOptions(vigil, {
      ping: () => (healthy ? vigil.store.ping() : Promise.reject(new Error('down'))),
      ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    }),
  );
  const key = await createKey(vigil);
  const request = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    app.request(path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
      ...(body === undefined ? {} : { body }),
    });
  const count = async () => (await vigil.listRuns()).runs.length;
  return { vigil, request, count };
}

describe('HTTP API', () => {
  it('starts a run: 202 with its id and status, then shows it', async () => {
    const { vigil, request } = await setup({ worker: true });
    const res = await request(
      'POST',
      '/v1/runs',
      JSON.stringify({ workflow: 'patient.discharge', input: { patientId: 'P-1' } }),
    );
    expect(res.status).toBe(202);
    const { id, status } = (await res.json()) as { id: string; status: string };
    // The server's own worker had a free slot, so the run was created already leased to it.
    expect(status).toBe('running');
    await vigil.result(id);
    const show = await request('GET', `/v1/runs/${id}`);
    expect(show.status).toBe(200);
    expect(await show.json()).toMatchObject({
      id,
      workflow: 'patient.discharge',
      version: 1,
      status: 'completed',
      input: { patientId: 'P-1' },
      output: { done: 'P-1' },
      error: null,
      steps: [
        { seq: 1, name: 'record', status: 'completed', attempts: 1 },
        { seq: 2, name: 'notify', status: 'completed', attempts: 1 },
      ],
      progress: { completed: 2, total: 2, summary: 'Discharge completed: 2/2 steps complete.' },
    });
  });

  it('starts a run with a priority, and answers 400 naming `priority` for a bad one', async () => {
    const { request, count } = await setup();
    const body = (priority: unknown) =>
      JSON.stringify({ workflow: 'patient.discharge', input: { patientId: 'P-1' }, priority });
    const res = await request('POST', '/v1/runs', body(90));
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(await (await request('GET', `/v1/runs/${id}`)).json()).toMatchObject({ priority: 90, status: 'queued' });
    for (const bad of [601, -1, 2.5, '30', null]) {
      const refused = await request('POST', '/v1/runs', body(bad));
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: { code: 'invalid_argument', path: 'priority' } });
    }
    expect(await count()).toBe(1);
  });

  it('deduplicates on Idempotency-Key and answers 409 for the same key with other input', async () => {
    const { request, count } = await setup();
    const body = JSON.stringify({ workflow: 'patient.discharge', input: { patientId: 'P-7' } });
    const first = await request('POST', '/v1/runs', body, { 'Idempotency-Key': 'order-7' });
    const second = await request('POST', '/v1/runs', body, { 'Idempotency-Key': 'order-7' });
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(((await second.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
    const conflict = await request(
      'POST',
      '/v1/runs',
      JSON.stringify({ workflow: 'patient.discharge', input: { patientId: 'P-8' } }),
      { 'Idempotency-Key': 'order-7' },
    );
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { code: string } }).error.code).toBe('idempotency_conflict');
    const blank = await request('POST', '/v1/runs', body, { 'Idempotency-Key': '   ' });
    expect(blank.status).toBe(400);
    expect(await count()).toBe(1);
  });

  it.each([
    ['malformed JSON', '{"workflow": "patient.discharge",', 400, 'invalid_json', null],
    ['a body that is not an object', '[1,2]', 400, 'invalid_request', null],
    ['a missing workflow', '{"input":{}}', 400, 'invalid_request', 'workflow'],
    ['an unknown field', '{"workflow":"patient.discharge","inputs":{}}', 400, 'invalid_request', null],
    ['an unknown workflow', '{"workflow":"nope","input":{}}', 404, 'workflow_not_found', 'workflow'],
    [
      'a schema violation',
      '{"workflow":"patient.discharge","input":{"patientId":"7"}}',
      422,
      'input_invalid',
      'input.patientId',
    ],
    ['a missing input field', '{"workflow":"patient.discharge"}', 422, 'input_invalid', 'input.patientId'],
  ])('refuses %s with a stable code and writes nothing', async (_what, body, status, code, path) => {
    const { request, count } = await setup();
    const res = await request('POST', '/v1/runs', body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { code: string; message: string; path: string | null } };
    expect(json.error.code).toBe(code);
    expect(json.error.message.length).toBeGreaterThan(5);
    if (path !== null) expect(json.error.path).toBe(path);
    expect(await count()).toBe(0);
  });

  it('refuses an oversized body with 413 and writes nothing', async () => {
    const { request, count } = await setup({ maxBodyBytes: 1024 });
    const body = JSON.stringify({ workflow: 'patient.discharge', input: { patientId: 'P-1', pad: 'x'.repeat(2000) } });
    const res = await request('POST', '/v1/runs', body);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    expect(await count()).toBe(0);
  });

  it('lists runs with filters, answers 404 and 400 for unknown and malformed ids, and cancels', async () => {
    const { request } = await setup();
    const created = (await (
      await request('POST', '/v1/runs', JSON.stringify({ workflow: 'patient.discharge', input: { patientId: 'P-2' } }))
    ).json()) as { id: string };
    const list = (await (
      await request('GET', '/v1/runs?status=queued&workflow=patient.discharge&limit=10')
    ).json()) as {
      runs: Array<{ id: string }>;
      nextCursor: string | null;
    };
    expect(list.runs.map((r) => r.id)).toEqual([created.id]);
    expect(list.nextCursor).toBeNull();
    expect((await request('GET', '/v1/runs?limit=9999')).status).toBe(400);
    expect((await request('GET', '/v1/runs?status=sideways')).status).toBe(400);
    expect((await request('GET', '/v1/runs/019b0000-0000-7000-8000-000000000000')).status).toBe(404);
    const malformed = await request('GET', '/v1/runs/not-an-id');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { path: string } }).error.path).toBe('id');

    const cancel = await request('POST', `/v1/runs/${created.id}/cancel`);
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toMatchObject({ id: created.id, status: 'cancelled' });
  });

  it('serves health, the workflow catalogue, and JSON 404s for unknown routes', async () => {
    const { request } = await setup();
    expect(await (await request('GET', '/healthz')).json()).toEqual({ status: 'ok' });
    expect(await (await request('GET', '/readyz')).json()).toEqual({ status: 'ok' });
    healthy = false;
    const unready = await request('GET', '/readyz');
    expect(unready.status).toBe(503);
    expect(((await unready.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');
    expect(await (await request('GET', '/')).json()).toMatchObject({
      service: 'vigil',
      api: {
        runs: '/v1/runs',
        tools: '/v1/tools',
        escalations: '/v1/escalations',
        events: '/v1/events',
        schedules: '/v1/schedules',
        deadLetters: '/v1/dead-letters',
        breakers: '/v1/breakers',
      },
    });
    const catalogue = (await (await request('GET', '/v1/workflows')).json()) as {
      workflows: Array<{ name: string; steps: string[]; inputSchema: { properties: object } }>;
    };
    expect(catalogue.workflows[0]).toMatchObject({
      name: 'patient.discharge',
      version: 1,
      steps: ['record', 'notify'],
    });
    expect(catalogue.workflows[0]!.inputSchema.properties).toHaveProperty('patientId');
    const missing = await request('GET', '/v1/nothing');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
  });
});
