/**
 * `vigil keys` as real child processes on a SQLite file, and the keys they make against a real
 * `vigil server` on the same file: the first key needs no key, a revoked one is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ApiKeyView, CreatedKey } from '../../src/runtime/key-client.js';
import { FIXTURES, VigilProcess, runCli } from '../helpers/processes.js';

let dir: string;
let db: string;
const server: VigilProcess[] = [];

const keys = (...args: string[]) => runCli(['keys', ...args, '--db', db], { cwd: dir, env: { VIGIL_API_KEY: '' } });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-keys-'));
  db = join(dir, 'vigil.db');
});
afterAll(async () => {
  await Promise.all(server.map((p) => p.kill()));
  rmSync(dir, { recursive: true, force: true });
});

describe('vigil keys on the database directly', { timeout: 90_000 }, () => {
  it('creates, lists and revokes keys; a server on the same database honours them', async () => {
    // A server with no admin key says how to make one.
    const api = new VigilProcess(['server', '--port', '0', '--db', db, '--load', FIXTURES], { cwd: dir });
    server.push(api);
    const url = (await api.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/))[1]!;
    expect(api.stderr).toContain('no active admin API key');
    expect(api.stderr).toContain('vigil keys create --role admin');

    const made = await keys('create', '--role', 'admin');
    expect(made.code).toBe(0);
    const printed = /^\s+(vgl_\S+)$/m.exec(made.stdout)![1]!;
    expect(made.stdout).toMatch(/Created API key [0-9a-f]{12} \(admin, "admin key", does not expire\)/);
    expect(made.stdout).toContain('It is not shown again');

    const viewer = await keys('create', '--role', 'viewer', '--name', 'dashboard', '--expires', '30d', '-o', 'json');
    const created = JSON.parse(viewer.stdout) as CreatedKey;
    expect(created).toMatchObject({ role: 'viewer', name: 'dashboard', status: 'active' });
    expect(created.createdBy).toBe(`cli:${userInfo().username}`);
    expect(created.key).toMatch(new RegExp(`^vgl_${created.id}_`));

    const get = (key: string, path = '/v1/runs') =>
      fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    expect((await get(printed)).status).toBe(200);
    expect((await get(created.key)).status).toBe(200);
    expect((await get(created.key, '/v1/keys')).status).toBe(403);

    const listed = JSON.parse((await keys('list', '-o', 'json')).stdout) as { keys: ApiKeyView[] };
    expect(listed.keys.map((k) => [k.name, k.role, k.status])).toEqual([
      ['dashboard', 'viewer', 'active'],
      ['admin key', 'admin', 'active'],
    ]);
    expect(JSON.stringify(listed)).not.toContain('vgl_');

    const revoked = await keys('revoke', created.id);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`API key ${created.id} \\("dashboard"\\) is revoked since`));
    const refused = await get(created.key);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: 'api_key_revoked' } });
    const table = await keys('list');
    expect(table.stdout).toMatch(new RegExp(`${created.id}\\s+dashboard\\s+viewer\\s+revoked`));

    // The CLI client sends VIGIL_API_KEY; the revoked key gets a clear message.
    const asAdmin = await runCli(['runs', 'list', '--url', url], { cwd: dir, env: { VIGIL_API_KEY: printed } });
    expect(asAdmin.code).toBe(0);
    const asRevoked = await runCli(['runs', 'list', '--url', url], { cwd: dir, env: { VIGIL_API_KEY: created.key } });
    expect(asRevoked.code).toBe(1);
    expect(asRevoked.stderr).toMatch(/Set VIGIL_API_KEY.*\[api_key_revoked\]/);
  });

  it('refuses a bad role, expiry and unknown id with exit code 1', async () => {
    const role = await keys('create', '--role', 'root');
    expect(role.code).toBe(1);
    expect(role.stderr).toMatch(/argument 'root' is invalid/);
    const expiry = await keys('create', '--role', 'viewer', '--expires', 'yesterday');
    expect(expiry.code).toBe(1);
    expect(expiry.stderr).toContain('[invalid_argument]');
    const unknown = await keys('revoke', '0123456789ab');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('[api_key_not_found]');
  });
});
