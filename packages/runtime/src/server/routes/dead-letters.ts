import { Hono } from 'hono';

import type { DeadLetterClient } from '../../runtime/dead-letter-client.js';
import { principalOf, type ApiEnv } from '../auth.js';
import { parseWith, readJsonBody } from '../request-body.js';
import { ListDeadLettersQuery, ReplayBody } from '../schemas/dead-letters.js';

/** `/v1/dead-letters`: runs that failed permanently, and replaying them. */
export function deadLetterRoutes(deadLetters: DeadLetterClient, maxBodyBytes: number): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();

  app.get('/', async (c) => {
    const query = parseWith(ListDeadLettersQuery, c.req.query(), 'invalid_request');
    return c.json(await deadLetters.list(query));
  });

  app.get('/:id', async (c) => c.json(await deadLetters.get(c.req.param('id'))));

  app.post('/:id/replay', async (c) => {
    const body = (await readJsonBody(c, ReplayBody, maxBodyBytes)) ?? {};
    return c.json(await deadLetters.replay(c.req.param('id'), { ...body, principal: principalOf(c) }), 202);
  });

  return app;
}
