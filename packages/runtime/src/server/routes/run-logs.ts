import { Hono } from 'hono';
import type { RunLogClient } from '../../runtime/run-log-client.js';
import type { ApiEnv } from '../auth.js';
import { parseWith } from '../request-body.js';
import { RunLogsQuery } from '../schemas/run-logs.js';

/** `GET /v1/runs/:id/logs`: the lines a run's code logged, all or one step's (`?seq=`). */
export function runLogRoutes(logs: RunLogClient): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/:id/logs', async (c) => {
    const query = parseWith(RunLogsQuery, c.req.query(), 'invalid_request');
    return c.json(await logs.list(c.req.param('id'), query));
  });
  return app;
}
