import { Hono } from 'hono';
import { z } from 'zod';

import type { MemoryClient } from '../../runtime/memory-client.js';
import type { ApiEnv } from '../auth.js';
import { parseWith } from '../request-body.js';

const MemoryQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).optional(),
    after: z.string().optional(),
  })
  .strict();

/** `/v1/agents`: what each agent remembers across runs. */
export function agentRoutes(memory: MemoryClient): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/:name/memory', async (c) => {
    const query = parseWith(MemoryQuery, c.req.query(), 'invalid_request');
    return c.json(await memory.list(c.req.param('name'), query));
  });
  return app;
}
