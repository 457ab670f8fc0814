import { Hono } from 'hono';

import type { AlertEvaluator } from '../../runtime/alert-evaluator.js';
import type { ApiEnv } from '../auth.js';

/** `/v1/alerts`: where every alert rule that ever fired stands, firing ones first. */
export function alertRoutes(alerts: AlertEvaluator): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => c.json({ alerts: await alerts.list() }));
  return app;
}
