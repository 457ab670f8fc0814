import { Hono } from 'hono';

import type { MemoryClient } from '../../runtime/memory-client.js';
import type { ApiEnv } from '../auth.js';
import { parseWith } from '../request-body.js';
import { MemoryQuery } from '../schemas/agents.js';

/** `/v1/agents`: what each agent remembers across runs. */
export function agentRoutes(memory: MemoryClient): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/:name/memory', async (c) => {
    const query = parseWith(MemoryQuery, c.req.query(), 'invalid_request');
    return c.json(await memory.list(c.req.param('name'), query));
  });
  return app;
}
