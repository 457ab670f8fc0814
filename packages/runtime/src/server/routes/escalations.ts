import { Hono } from 'hono';

import type { EscalationClient } from '../../runtime/escalation-client.js';
import { principalOf, type ApiEnv } from '../auth.js';
import { parseWith, readJsonBody } from '../request-body.js';
import { ListEscalationsQuery, ResolveBody } from '../schemas/escalations.js';

/** `/v1/escalations`: the inbox of decisions waiting for a human, and resolving them. */
export function escalationRoutes(escalations: EscalationClient, maxBodyBytes: number): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get('/', async (c) => {
    const query = parseWith(ListEscalationsQuery, c.req.query(), 'invalid_request');
    return c.json(await escalations.list(query));
  });

  app.get('/:id', async (c) => c.json(await escalations.get(c.req.param('id'))));

  app.post('/:id/resolve', async (c) => {
    const body = await readJsonBody(c, ResolveBody, maxBodyBytes);
    return c.json(await escalations.resolve(c.req.param('id'), { ...body, principal: principalOf(c) }));
  });

  return app;
}
