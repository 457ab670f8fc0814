import { Hono } from 'hono';

import type { OverviewClient } from '../../runtime/overview-client.js';
import type { ApiEnv } from '../auth.js';
import { parseWith } from '../request-body.js';
import { OverviewQuery } from '../schemas/runs.js';

/** `GET /v1/overview?window=24h`: the dashboard's overview numbers for the whole deployment. */
export function overviewRoutes(overview: OverviewClient): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => {
    const query = parseWith(OverviewQuery, c.req.query(), 'invalid_request');
    return c.json(await overview.get(query.window));
  });
  return app;
}
