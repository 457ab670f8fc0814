/**
 * `/openapi.json` over real HTTP on both dialects: it describes every route of the app and no
 * other, from the schemas the routes check requests with, and the main answers match its shapes.
 * The hand-written reference names every route too.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../../test/helpers/harness.js';
import { appOptions } from '../../../test/helpers/http-app.js';
import { NonRetryableError } from '../../core/errors.js';
import { defineWorkflow } from '../../core/workflow.js';
import { serveApi, type ServedApi } from '../../testing/serve-api.js';
import { createApp } from '../app.js';
import * as shapes from '../schemas/responses.js';
import { openApiPath } from './document.js';

const HTTP_API_MD = fileURLToPath(new URL('../../../../../docs/reference/http-api.md', import.meta.url));

interface OpenApi {
  openapi: string;
  security: unknown[];
  paths: Record<
    string,
    Record<
      string,
      {
        security?: unknown[];
        parameters: Array<{ name: string; in: string }>;
        requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
        responses: Record<string, unknown>;
      }
    >
  >;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
}

const echo = defineWorkflow({ name: 'doc.echo', input: z.object({ n: z.number() }) }, (ctx, input) =>
  ctx.step('echo', () => input.n),
);
const broken = defineWorkflow({ name: 'doc.broken', input: z.object({ n: z.number() }) }, (ctx) =>
  ctx.step('boom', () => {
    throw new NonRetryableError('no');
  }),
);

describe.each(DIALECTS)('GET /openapi.json on %s', (dialect: Dialect) => {
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

  const get = async (path: string, key?: string) => {
    const response = await fetch(`${api!.url}${path}`, {
      headers: key === undefined ? {} : { authorization: `Bearer ${key}` },
    });
    return { status: response.status, body: await response.json() };
  };
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${api!.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api!.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };

  it('describes every route of the app and no other, without a key, with bearer security and the error shape', async () => {
    const vigil = h.vigil([echo]);
    api = await serveApi(vigil);
    const answer = await get('/openapi.json');
    expect(answer.status).toBe(200);
    const doc = answer.body as OpenApi;
    expect(doc.openapi).toBe('3.1.0');

    const app = createApp(appOptions(vigil));
    const routes = [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))];
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const asOpenApi = routes.map((route) => route.replace(/ (.*)$/, (_, path: string) => ` ${openApiPath(path)}`));
    expect(asOpenApi.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((route) => !asOpenApi.includes(route))).toEqual([]);

    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.components.securitySchemes['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas['Error']).toMatchObject({ required: ['error'] });
    expect(doc.paths['/healthz']!['get']!.security).toEqual([]);
    expect(doc.paths['/openapi.json']!['get']!.security).toEqual([]);
    expect(doc.paths['/v1/runs']!['get']!.security).toBeUndefined();
    expect(doc.paths['/v1/runs/{id}']!['get']!.parameters).toContainEqual(
      expect.objectContaining({ name: 'id', in: 'path' }),
    );
  });

  it('takes request shapes from the schemas the routes check', async () => {
    api = await serveApi(h.vigil([echo]));
    const doc = (await get('/openapi.json')).body as OpenApi;
    const list = doc.paths['/v1/runs']!['get']!;
    expect(list.parameters.map((p) => p.name)).toEqual(['status', 'workflow', 'from', 'to', 'q', 'limit', 'cursor']);
    const start = doc.paths['/v1/runs']!['post']!.requestBody!.content['application/json']!.schema;
    expect(start).toMatchObject({ type: 'object', required: ['workflow'], additionalProperties: false });
    const replay = doc.paths['/v1/runs/{id}/replay']!['post']!;
    expect(JSON.stringify(replay.requestBody)).toContain('"fromSeq":{');
    expect(Object.keys(replay.responses)).toEqual(['202', 'default']);
    const resolve =
      doc.paths['/v1/escalations/{id}/resolve']!['post']!.requestBody!.content['application/json']!.schema;
    expect(resolve).toMatchObject({
      properties: { decision: { enum: expect.arrayContaining(['provide']) as unknown } },
    });
    expect(doc.paths['/v1/overview']!['get']!.parameters.map((p) => p.name)).toEqual(['window']);
  });

  it('documents the headers the routes honour, and the routes honour them', async () => {
    api = await serveApi(h.vigil([echo], { worker: false }));
    const doc = (await get('/openapi.json')).body as OpenApi;
    const headersOf = (path: string, method: string) =>
      doc.paths[path]![method]!.parameters.filter((p) => p.in === 'header').map((p) => p.name);
    const answerHeaders = (path: string, method: string, status: string) =>
      Object.keys((doc.paths[path]![method]!.responses[status] as { headers?: object }).headers ?? {});
    expect(headersOf('/v1/runs', 'post')).toEqual(['Idempotency-Key']);
    expect(answerHeaders('/v1/runs', 'post', '202')).toEqual(['Idempotent-Replayed']);
    // Events dedupe on the body's id, not on the header; their answer still says when they did.
    expect(headersOf('/v1/events', 'post')).toEqual([]);
    expect(answerHeaders('/v1/events', 'post', '202')).toEqual(['Idempotent-Replayed']);
    expect(headersOf('/v1/webhooks/{source}', 'post')).toEqual([
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
    ]);
    // The streams start each connection with a snapshot: they do not resume from Last-Event-ID.
    for (const path of ['/v1/stream', '/v1/runs/{id}/stream']) expect(headersOf(path, 'get')).toEqual([]);

    // What the document says of POST /v1/runs is what the route does.
    const start = (key: string, n: number) =>
      fetch(`${api!.url}/v1/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api!.apiKey}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ workflow: 'doc.echo', input: { n } }),
      });
    const first = await start('order-1', 1);
    const again = await start('order-1', 1);
    expect([first.status, again.status]).toEqual([202, 202]);
    expect([first.headers.get('idempotent-replayed'), again.headers.get('idempotent-replayed')]).toEqual([
      null,
      'true',
    ]);
    expect(((await again.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
    expect((await start('order-1', 2)).status).toBe(409);
  });

  it('describes the main answers as the API gives them', async () => {
    const vigil = h.vigil([echo, broken], { worker: { pollMs: 100 } });
    api = await serveApi(vigil);
    const started = await post('/v1/runs', { workflow: 'doc.echo', input: { n: 1 } });
    expect(started.status).toBe(202);
    const { id } = shapes.StartRunAnswer.parse(started.body);
    await h.result(vigil, id);
    const failed = await vigil.start(broken, { n: 2 });
    await h.until(async () => ['failed', 'dead_lettered'].includes((await vigil.getRun(failed.id))!.status));

    shapes.RunList.parse((await get('/v1/runs', api.apiKey)).body);
    shapes.RunDetails.parse((await get(`/v1/runs/${id}`, api.apiKey)).body);
    shapes.StepDetails.parse((await get(`/v1/runs/${id}/steps/1`, api.apiKey)).body);
    shapes.ReplayRunAnswer.parse((await post(`/v1/runs/${id}/replay`, { fromSeq: 1 })).body);
    shapes.Overview.parse((await get('/v1/overview', api.apiKey)).body);
    shapes.EscalationList.parse((await get('/v1/escalations?status=all', api.apiKey)).body);
    shapes.DeadLetterList.parse((await get('/v1/dead-letters', api.apiKey)).body);
    shapes.WhoAmIAnswer.parse((await get('/v1/whoami', api.apiKey)).body);
    shapes.AuditVerifyAnswer.parse((await get('/v1/audit/verify', api.apiKey)).body);
    const missing = await get('/v1/runs/00000000-0000-7000-8000-000000000999', api.apiKey);
    expect(missing.status).toBe(404);
    shapes.ErrorBody.parse(missing.body);
  });
});

describe('the HTTP reference', () => {
  it('names every route of the app', async () => {
    const h = new Harness('sqlite');
    try {
      const app = createApp(appOptions(h.vigil([])));
      const text = readFileSync(HTTP_API_MD, 'utf8');
      const routes = [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))];
      const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(routes.filter((route) => !new RegExp(`${escape(route)}(?![\\w/:-])`).test(text))).toEqual([]);
    } finally {
      await h.cleanup();
    }
  });
});
