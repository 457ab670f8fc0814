/**
 * Every route of the app, enumerated from the router, against every kind of bad key and every
 * role: a route added later is covered without touching this file, and one added without a
 * declared permission fails here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import { appOptions, createKey } from '../../test/helpers/http-app.js';
import { defineWorkflow } from '../core/workflow.js';
import { ROLES, generateApiKey, parseApiKey, roleAllows, type Role } from '../governance/api-keys.js';
import { createApp } from './app.js';
import { ROUTE_PERMISSIONS } from './route-permissions.js';

const echo = defineWorkflow({ name: 'matrix.echo', input: z.object({ n: z.number() }) }, async (ctx, input) =>
  ctx.step('echo', () => input.n),
);

/** The app's routes as Hono reports them (`METHOD /path/:param`), middleware left out. */
function routesOf(app: Hono): string[] {
  return [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))];
}

/** A concrete path for a route: each `:param` filled with a placeholder. */
const pathOf = (route: string): string => route.slice(route.indexOf(' ') + 1).replace(/:[A-Za-z]+/g, 'placeholder');

describe.each(DIALECTS)('route permissions on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  async function setup() {
    const vigil = h.vigil([echo]);
    await vigil.ready();
    // With the web dashboard installed: `GET /*` serves it, and `GET /` is the dashboard.
    const dashboardDir = join(h.dir, 'dashboard');
    mkdirSync(dashboardDir, { recursive: true });
    writeFileSync(join(dashboardDir, 'index.html'), '<!doctype html><div id="root"></div>');
    const app = createApp(appOptions(vigil));
    const withDashboard = createApp(appOptions(vigil, { dashboardDir }));
    // An admin key that expires in a minute, then a minute passes.
    const expired = await createKey(vigil, 'admin', '1m');
    await h.clock.advance(60_000);
    const keys = Object.fromEntries(
      await Promise.all(ROLES.map(async (role) => [role, await createKey(vigil, role)])),
    ) as Record<Role, string>;
    const revoked = await createKey(vigil, 'admin');
    await vigil.keys.revoke(parseApiKey(revoked)!.id);
    const allRoutes = [...new Set([...routesOf(app), ...routesOf(withDashboard)])];
    const call = async (route: string, authorization?: string) => {
      const method = route.slice(0, route.indexOf(' '));
      const res = await (routesOf(app).includes(route) ? app : withDashboard).request(pathOf(route), {
        method,
        headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
        ...(method === 'GET' ? {} : { body: '{}' }),
      });
      // An event stream a key may open never ends: what matters is that it opened.
      if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
        await res.body?.cancel();
        return { status: res.status, code: null, message: '' };
      }
      // Errors are JSON; a route that answers otherwise (the Prometheus text of /metrics) has no code.
      const json = res.headers.get('content-type')?.includes('application/json') ?? false;
      const body = (json ? await res.json() : {}) as { error?: { code: string; message: string } };
      return { status: res.status, code: body.error?.code ?? null, message: body.error?.message ?? '' };
    };
    return { vigil, app, allRoutes, keys, expired, revoked, call };
  }

  it('declares a permission for every route the router has, and none for a route it does not have', async () => {
    const { allRoutes: routes } = await setup();
    expect(routes.length).toBeGreaterThan(25);
    expect(routes.filter((route) => ROUTE_PERMISSIONS[route] === undefined)).toEqual([]);
    expect(Object.keys(ROUTE_PERMISSIONS).filter((route) => !routes.includes(route))).toEqual([]);
  });

  it('refuses every route but /healthz and signed webhooks without a good key: missing, malformed, unknown, revoked, expired', async () => {
    const { allRoutes, keys, expired, revoked, call } = await setup();
    const admin = parseApiKey(keys.admin)!;
    const badKeys: Array<[string | undefined, string]> = [
      [undefined, 'api_key_missing'],
      ['', 'api_key_missing'],
      ['Bearer not-a-key', 'api_key_malformed'],
      [`Basic ${keys.admin}`, 'api_key_malformed'],
      [`Bearer ${keys.admin}x`, 'api_key_malformed'],
      [`Bearer ${generateApiKey().key}`, 'api_key_invalid'],
      // A known id with another secret is as unknown as an unknown id.
      [`Bearer vgl_${admin.id}_${parseApiKey(generateApiKey().key)!.secret}`, 'api_key_invalid'],
      [`Bearer ${revoked}`, 'api_key_revoked'],
      [`Bearer ${expired}`, 'api_key_expired'],
    ];
    for (const route of allRoutes) {
      const access = ROUTE_PERMISSIONS[route];
      for (const [authorization, code] of badKeys) {
        const answer = await call(route, authorization);
        if (access === 'public' || access === 'signature') {
          // No key is asked for: /healthz answers, a webhook is judged by its signature alone.
          expect(answer.code ?? '', `${route} with ${authorization}`).not.toMatch(/^api_key_/);
          expect(answer.status, `${route} with ${authorization}`).not.toBe(403);
        } else {
          expect({ route, authorization, status: answer.status, code: answer.code }).toEqual({
            route,
            authorization,
            status: 401,
            code,
          });
        }
      }
    }
    expect((await call('GET /healthz')).status).toBe(200);
    expect((await call('POST /v1/webhooks/:source')).code).toBe('webhook_source_not_found');
  });

  it('lets each role through exactly the routes its permissions cover; others are 403 naming role and permission', async () => {
    const { allRoutes, keys, call } = await setup();
    for (const route of allRoutes) {
      const access = ROUTE_PERMISSIONS[route]!;
      if (access === 'public' || access === 'signature') continue;
      for (const role of ROLES) {
        const answer = await call(route, `Bearer ${keys[role]}`);
        if (roleAllows(role, access)) {
          expect([401, 403], `${role} on ${route}: ${answer.code}`).not.toContain(answer.status);
        } else {
          expect({ route, role, status: answer.status, code: answer.code }).toEqual({
            route,
            role,
            status: 403,
            code: 'permission_denied',
          });
          expect(answer.message).toContain(`The ${role} role lacks the "${access}" permission`);
        }
      }
    }
  });

  it('fails closed: a route with no declared permission is refused to every key, admin included', async () => {
    const { app, keys, call } = await setup();
    app.get('/v1/undeclared', (c) => c.json({ leaked: true }));
    const answer = await call('GET /v1/undeclared', `Bearer ${keys.admin}`);
    expect(answer).toMatchObject({ status: 403, code: 'permission_denied' });
    expect(answer.message).toContain('No permission is declared for GET /v1/undeclared');
    expect((await call('GET /v1/undeclared')).code).toBe('api_key_missing');
  });

  it('asks for a key before saying a route does not exist', async () => {
    const { keys, call } = await setup();
    expect(await call('GET /v1/nothing')).toMatchObject({ status: 401, code: 'api_key_missing' });
    expect(await call('GET /v1/nothing', `Bearer ${keys.viewer}`)).toMatchObject({
      status: 404,
      code: 'route_not_found',
    });
  });
});
