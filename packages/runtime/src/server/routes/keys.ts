import { Hono } from 'hono';

import type { KeyClient } from '../../runtime/key-client.js';
import { principalOf, type ApiEnv } from '../auth.js';
import { readJsonBody } from '../request-body.js';
import { CreateKeyBody } from '../schemas/keys.js';

/** `/v1/keys` (admin only): list keys, create one (answered once with the key), revoke one. */
export function keyRoutes(keys: KeyClient, maxBodyBytes: number): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get('/', async (c) => c.json({ keys: await keys.list() }));

  app.post('/', async (c) => {
    const body = await readJsonBody(c, CreateKeyBody, maxBodyBytes);
    return c.json(await keys.create({ ...body, principal: principalOf(c) }), 201);
  });

  app.delete('/:id', async (c) => c.json(await keys.revoke(c.req.param('id'), principalOf(c))));

  return app;
}
