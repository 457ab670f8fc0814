import { Hono } from 'hono';

import type { EventClient } from '../../runtime/event-client.js';
import { principalOf, type ApiEnv } from '../auth.js';
import { parseWith, readJsonBody } from '../request-body.js';
import { ListEventsQuery, SendEventBody } from '../schemas/events.js';

/** `/v1/events`: receive events (deduplicated by `id`), list them, show one with its runs. */
export function eventRoutes(events: EventClient, maxBodyBytes: number): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.post('/', async (c) => {
    const body = await readJsonBody(c, SendEventBody, maxBodyBytes);
    const result = await events.send({ ...body, source: 'api', principal: principalOf(c) });
    if (!result.created) c.header('Idempotent-Replayed', 'true');
    return c.json(result, 202);
  });

  app.get('/', async (c) => {
    const query = parseWith(ListEventsQuery, c.req.query(), 'invalid_request');
    return c.json(await events.list(query));
  });

  app.get('/:id', async (c) => c.json(await events.get(c.req.param('id'))));

  return app;
}
