import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Harness } from '../../../test/helpers/harness.js';
import { createKey, httpApp } from '../../../test/helpers/http-app.js';
import type { RuntimeEventMap } from '../../runtime/events.js';
import type { ApiKeyView, CreatedKey } from '../../runtime/key-client.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.cleanup());

describe('/v1/keys', () => {
  it('creates a key answered once, lists keys without it, and revokes it so it is refused', async () => {
    const vigil = h.vigil([]);
    const events: Array<[string, unknown]> = [];
    vigil.events.on('key.created', (e) => events.push(['key.created', e]));
    vigil.events.on('key.revoked', (e) => events.push(['key.revoked', e]));
    const admin = httpApp(vigil, { key: await createKey(vigil) });
    await h.clock.advance(1);

    const created = await admin<CreatedKey>('POST', '/v1/keys', { name: 'ci', role: 'trigger', expires: '30d' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'ci', role: 'trigger', status: 'active', revokedAt: null });
    expect(created.body.key).toMatch(new RegExp(`^vgl_${created.body.id}_`));
    expect(Date.parse(created.body.expiresAt!) - h.clock.now()).toBe(30 * 86_400_000);
    const adminId = (events[0]![1] as RuntimeEventMap['key.created']).keyId;
    expect(created.body.createdBy).toBe(`key:${(await vigil.keys.list()).find((k) => k.name === 'test admin')!.id}`);

    // The new key works (a trigger key may send events) and is recorded as used.
    const asTrigger = httpApp(vigil, { key: created.body.key });
    const sent = await asTrigger('POST', '/v1/events', { name: 'ping' });
    expect(sent.status).toBe(202);

    const list = await admin<{ keys: ApiKeyView[] }>('GET', '/v1/keys');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key.slice(17));
    expect(list.body.keys.map((k) => [k.name, k.role, k.status])).toEqual([
      ['ci', 'trigger', 'active'],
      ['test admin', 'admin', 'active'],
    ]);
    expect(list.body.keys[0]!.lastUsedAt).not.toBeNull();
    expect(Object.keys(list.body.keys[0]!)).not.toContain('hash');

    const revoked = await admin<ApiKeyView>('DELETE', `/v1/keys/${created.body.id}`);
    expect(revoked.body).toMatchObject({ id: created.body.id, status: 'revoked', revokedBy: created.body.createdBy });
    // Revoking again changes nothing and emits nothing.
    expect((await admin('DELETE', `/v1/keys/${created.body.id}`)).body).toEqual(revoked.body);
    const refused = await asTrigger('POST', '/v1/events', { name: 'ping' });
    expect(refused).toMatchObject({ status: 401, body: { error: { code: 'api_key_revoked' } } });

    expect(events).toEqual([
      ['key.created', expect.objectContaining({ keyId: adminId, role: 'admin' })],
      [
        'key.created',
        {
          keyId: created.body.id,
          name: 'ci',
          role: 'trigger',
          expiresAt: Date.parse(created.body.expiresAt!),
          principal: created.body.createdBy,
        },
      ],
      ['key.revoked', { keyId: created.body.id, principal: created.body.createdBy }],
    ]);
    // No event ever carries a key.
    expect(JSON.stringify(events)).not.toContain('vgl_');
  });

  it('refuses a bad role, name or expiry naming the field, and an unknown id with 404', async () => {
    const admin = httpApp(h.vigil([]));
    for (const [body, path] of [
      [{ name: 'x', role: 'root' }, 'role'],
      [{ name: '', role: 'viewer' }, 'name'],
      [{ name: 'x', role: 'viewer', expires: 'yesterday' }, 'expires'],
      [{ name: 'x', role: 'viewer', expires: '2001-01-01' }, 'expires'],
      [{ role: 'viewer' }, 'name'],
    ] as const) {
      const res = await admin('POST', '/v1/keys', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error!.path).toBe(path);
    }
    const missing = await admin('DELETE', '/v1/keys/0123456789ab');
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'api_key_not_found', path: 'id' } } });
  });
});
