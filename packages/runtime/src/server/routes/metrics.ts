import { Hono } from 'hono';

import type { VigilMetrics } from '../../runtime/metrics.js';

/**
 * `/metrics`: the instance's metrics in the Prometheus text format. A store that does not
 * answer makes it a 503 `store_unavailable` (the error map), never a partial scrape.
 */
export function metricsRoutes(metrics: VigilMetrics): Hono {
  const app = new Hono();
  app.get('/', async (c) => c.body(await metrics.scrape(), 200, { 'content-type': metrics.contentType }));
  return app;
}
