import { Hono } from 'hono';
import { z } from 'zod';

import type { KeyClient } from '../../runtime/key-client.js';
import { principalOf, type ApiEnv } from '../auth.js';
import { readJsonBody } from '../request-body.js';

/** Role, name and expiry are checked by `KeyClient.create`, whose messages name the field. */
const CreateKeyBody = z
  .object({
    name: z.string(),
    role: z.string(),
    /** A duration from now (`30d`) or an ISO date. */
    expires: z.string().optional(),
  })
  .strict();

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
