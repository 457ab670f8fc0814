import { Hono } from 'hono';

import type { Logger } from '../core/logger.js';
import type { KeyClient } from '../runtime/key-client.js';
import type { VigilMetrics } from '../runtime/metrics.js';
import { requireApiKey } from './auth.js';
import { toErrorResponse } from './error-response.js';
import { metricsRoutes } from './routes/metrics.js';

/**
 * `GET /metrics` and `GET /healthz` alone, for a process that serves no API (`vigil worker
 * --metrics-port`): its counters are its own, so Prometheus must scrape it too. The same
 * access as the API's route: a key with `read`, or none when the metrics are public.
 */
export function createMetricsApp(options: { metrics: VigilMetrics; keys: KeyClient; logger: Logger }): Hono {
  const app = new Hono();
  app.use(
    '*',
    requireApiKey(options.keys, {
      'GET /healthz': 'public',
      'GET /metrics': options.metrics.public ? 'public' : 'read',
    }),
  );
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.route('/metrics', metricsRoutes(options.metrics));
  app.notFound((c) =>
    c.json(
      { error: { code: 'route_not_found', message: `No route for ${c.req.method} ${c.req.path}`, path: null } },
      404,
    ),
  );
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error, options.logger);
    return c.json(body, status);
  });
  return app;
}
