import { Hono } from 'hono';

import type { BreakerClient } from '../../runtime/breaker-client.js';
import { principalOf, type ApiEnv } from '../auth.js';

/** `/v1/breakers`: the circuit breakers all workers share, and closing one by hand. */
export function breakerRoutes(breakers: BreakerClient): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => c.json({ breakers: await breakers.list() }));
  // Keys are `tool` or `tool:key` and may hold any character; clients URL-encode them.
  app.post('/:key/reset', async (c) => c.json(await breakers.reset(c.req.param('key'), principalOf(c))));
  return app;
}
