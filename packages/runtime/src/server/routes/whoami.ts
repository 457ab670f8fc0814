import { Hono } from 'hono';

import { ROLE_PERMISSIONS } from '../../governance/api-keys.js';
import type { Caller } from '../../runtime/key-client.js';
import type { ApiEnv } from '../auth.js';

/** What `GET /v1/whoami` answers: the calling key as the key store holds it, and what its role may do. */
export interface WhoAmI {
  key: { id: string; name: string; role: string; principal: string };
  permissions: string[];
}

/**
 * `/v1/whoami`: who the request's key is. Clients (the dashboard) learn the key's role here
 * instead of guessing it from a refusal, and show or disable actions by its permissions.
 */
export function whoamiRoutes(): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', (c) => {
    const caller: Caller = c.get('caller');
    const answer: WhoAmI = {
      key: { id: caller.keyId, name: caller.name, role: caller.role, principal: caller.principal },
      permissions: [...ROLE_PERMISSIONS[caller.role]],
    };
    return c.json(answer);
  });
  return app;
}
