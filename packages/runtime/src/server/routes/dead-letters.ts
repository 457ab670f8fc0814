import { Hono } from 'hono';
import { z } from 'zod';

import type { DeadLetterClient } from '../../runtime/dead-letter-client.js';
import { principalOf, type ApiEnv } from '../auth.js';
import { parseWith, readJsonBody } from '../request-body.js';

const ListDeadLettersQuery = z
  .object({
    workflow: z.string().min(1).optional(),
    includeReplayed: z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().min(1).optional(),
  })
  .strict();

/** An empty body replays from the last good checkpoint. */
const ReplayBody = z
  .object({
    fromStep: z.string().min(1, 'fromStep must name a step of the run').optional(),
    input: z.unknown().optional(),
  })
  .strict()
  .refine((body) => body.fromStep === undefined || body.input === undefined, {
    path: ['input'],
    message: 'give fromStep (re-run the same run from a step) or input (a new run), not both',
  })
  .optional();

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
