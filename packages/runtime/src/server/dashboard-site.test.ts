import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Harness } from '../../test/helpers/harness.js';
import { appOptions, createKey } from '../../test/helpers/http-app.js';
import { findDashboardDir } from '../cli/dashboard-dir.js';
import { createApp } from './app.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.cleanup());

/** A built dashboard's shape: index.html and a hashed asset. */
function fakeDashboard(): string {
  const dir = join(h.dir, 'dist');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Vigil</title><div id="root"></div>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log("dashboard")');
  writeFileSync(join(h.dir, 'secret.txt'), 'outside the dashboard');
  return dir;
}

async function setup(dashboardDir: string | null) {
  const vigil = h.vigil([]);
  await vigil.ready();
  const app = createApp(appOptions(vigil, { dashboardDir }));
  const key = await createKey(vigil, 'viewer');
  const get = async (path: string, authorization?: string) => {
    const res = await app.request(path, authorization ? { headers: { authorization } } : {});
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      cache: res.headers.get('cache-control'),
      text: await res.text(),
    };
  };
  return { get, key };
}

function expectError(answer: { status: number; text: string }, status: number, code: string): void {
  expect({ status: answer.status, code: (JSON.parse(answer.text) as { error: { code: string } }).error.code }).toEqual({
    status,
    code,
  });
}

describe('the dashboard served at /', () => {
  it('serves index.html at / and for its pages, and its assets, without a key', async () => {
    const { get } = await setup(fakeDashboard());
    for (const path of ['/', '/runs', '/runs/019abc', '/inbox?x=1']) {
      const page = await get(path);
      expect({ path, status: page.status, type: page.type }).toEqual({
        path,
        status: 200,
        type: 'text/html; charset=utf-8',
      });
      expect(page.text).toContain('<div id="root">');
      expect(page.cache).toBe('no-cache');
    }
    const asset = await get('/assets/index-abc123.js');
    expect(asset).toMatchObject({
      status: 200,
      type: 'text/javascript; charset=utf-8',
      text: 'console.log("dashboard")',
    });
    expect(asset.cache).toContain('immutable');
  });

  it('answers a missing file 404 instead of the page, and never serves a file outside its folder', async () => {
    const { get } = await setup(fakeDashboard());
    expectError(await get('/assets/missing.js'), 404, 'file_not_found');
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt']) {
      const answer = await get(path);
      expect(answer.text, path).not.toContain('outside the dashboard');
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
    }
  });

  it('leaves the API first: its routes still need a key, and an unknown API path asks for one before its 404', async () => {
    const { get, key } = await setup(fakeDashboard());
    expectError(await get('/v1/runs'), 401, 'api_key_missing');
    expect((await get('/v1/runs', `Bearer ${key}`)).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
    for (const path of ['/v1/nothing', '/v1', '/metrics/nothing', '/openapi.json/nothing']) {
      expectError(await get(path), 401, 'api_key_missing');
      expectError(await get(path, `Bearer ${key}`), 404, 'route_not_found');
    }
    // The API's own answers at those paths: metrics with a key, the OpenAPI document without one.
    expectError(await get('/metrics'), 401, 'api_key_missing');
    expect((await get('/metrics', `Bearer ${key}`)).text).toContain('# TYPE vigil_runs_started_total counter');
    expect(JSON.parse((await get('/openapi.json')).text)).toMatchObject({ openapi: '3.1.0' });
  });

  it('answers the JSON index at / when no dashboard is installed, with a key as before', async () => {
    const { get, key } = await setup(null);
    expect((await get('/')).status).toBe(401);
    const index = await get('/', `Bearer ${key}`);
    expect(JSON.parse(index.text)).toMatchObject({ service: 'vigil', api: { runs: '/v1/runs' } });
    expect((await get('/runs', `Bearer ${key}`)).status).toBe(404);
  });
});

describe('findDashboardDir', () => {
  it('takes an explicit directory with index.html, refuses one without, and turns off on "off"', () => {
    const dir = fakeDashboard();
    expect(findDashboardDir(dir, h.dir)).toBe(dir);
    expect(findDashboardDir('dist', h.dir)).toBe(dir);
    expect(findDashboardDir('off', h.dir)).toBeNull();
    expect(() => findDashboardDir(join(h.dir, 'nowhere'), h.dir)).toThrow(/has no index\.html/);
  });

  it('finds the workspace @vigil/dashboard package only once it is built', () => {
    const found = findDashboardDir(undefined, h.dir);
    // The package is always resolvable in this workspace; its dist exists after `npm run build`.
    if (found !== null) expect(found).toMatch(/packages[/\\]dashboard[/\\]dist$/);
  });
});
