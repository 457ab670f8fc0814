import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Harness } from '../../../test/helpers/harness.js';
import { createKey, httpApp } from '../../../test/helpers/http-app.js';
import { parseApiKey } from '../../governance/api-keys.js';
import type { WhoAmI } from './whoami.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.cleanup());

describe('GET /v1/whoami', () => {
  it("answers the calling key's id, name and role as stored, and its role's permissions", async () => {
    const vigil = h.vigil([]);
    const expected = {
      admin: ['read', 'trigger', 'operate', 'admin'],
      operator: ['read', 'trigger', 'operate'],
      viewer: ['read'],
    } as const;
    for (const role of ['admin', 'operator', 'viewer'] as const) {
      const key = await createKey(vigil, role);
      const id = parseApiKey(key)!.id;
      const answer = await httpApp(vigil, { key })<WhoAmI>('GET', '/v1/whoami');
      expect(answer.status, role).toBe(200);
      expect(answer.body).toEqual({
        key: { id, name: `test ${role}`, role, principal: `key:${id}` },
        permissions: expected[role],
      });
    }
  });

  it('refuses a trigger key (it cannot read) and a revoked key', async () => {
    const vigil = h.vigil([]);
    const trigger = await httpApp(vigil, { key: await createKey(vigil, 'trigger') })('GET', '/v1/whoami');
    expect(trigger.status).toBe(403);
    expect(trigger.body.error).toMatchObject({ code: 'permission_denied' });
    const key = await createKey(vigil, 'admin');
    await vigil.keys.revoke(parseApiKey(key)!.id);
    const revoked = await httpApp(vigil, { key })('GET', '/v1/whoami');
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toMatchObject({ code: 'api_key_revoked' });
  });
});
