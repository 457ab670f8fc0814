import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';

import { systemClock, type Clock } from '../core/clock.js';
import { PayloadTooLargeError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AlertEvaluator } from '../runtime/alert-evaluator.js';
import type { AuditClient } from '../runtime/audit-client.js';
import type { BreakerClient } from '../runtime/breaker-client.js';
import type { BudgetClient } from '../runtime/budget-client.js';
import type { VigilClient } from '../runtime/client.js';
import type { DeadLetterClient } from '../runtime/dead-letter-client.js';
import type { DeploymentStream } from '../runtime/deployment-stream.js';
import type { EscalationClient } from '../runtime/escalation-client.js';
import type { EventClient } from '../runtime/event-client.js';
import type { KeyClient } from '../runtime/key-client.js';
import type { VigilMetrics } from '../runtime/metrics.js';
import type { MemoryClient } from '../runtime/memory-client.js';
import type { RunLogClient } from '../runtime/run-log-client.js';
import type { OverviewClient } from '../runtime/overview-client.js';
import type { RunStreams } from '../runtime/run-stream.js';
import type { ScheduleClient } from '../runtime/schedule-client.js';
import type { ToolRegistry } from '../runtime/tool-registry.js';
import type { WorkflowRegistry } from '../runtime/workflow-registry.js';
import { requireApiKey } from './auth.js';
import { toErrorResponse } from './error-response.js';
import { openApiDocument } from './openapi/document.js';
import { dashboardSite } from './dashboard-site.js';
import { ROUTE_PERMISSIONS } from './route-permissions.js';
import { agentRoutes } from './routes/agents.js';
import { runLogRoutes } from './routes/run-logs.js';
import { auditRoutes } from './routes/audit.js';
import { alertRoutes } from './routes/alerts.js';
import { breakerRoutes } from './routes/breakers.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { escalationRoutes } from './routes/escalations.js';
import { eventRoutes } from './routes/events.js';
import { keyRoutes } from './routes/keys.js';
import { metricsRoutes } from './routes/metrics.js';
import { overviewRoutes } from './routes/overview.js';
import { runRoutes } from './routes/runs.js';
import { scheduleRoutes } from './routes/schedules.js';
import { budgetRoutes, spendRoutes } from './routes/spend.js';
import { streamRoutes } from './routes/stream.js';
import { toolRoutes } from './routes/tools.js';
import { webhookRoutes } from './routes/webhooks.js';
import { whoamiRoutes } from './routes/whoami.js';
import { workflowRoutes } from './routes/workflows.js';
import type { WebhookSource } from './webhook-sources.js';

export interface AppOptions {
  client: VigilClient;
  registry: WorkflowRegistry;
  tools: ToolRegistry;
  escalations: EscalationClient;
  events: EventClient;
  deadLetters: DeadLetterClient;
  breakers: BreakerClient;
  schedules: ScheduleClient;
  /** API keys: every request but `GET /healthz` and signed webhooks must carry one (see `route-permissions.ts`). */
  keys: KeyClient;
  budgets: BudgetClient;
  audit: AuditClient;
  /** The alert rules and where each stands, for `GET /v1/alerts`. */
  alerts: AlertEvaluator;
  /** Agents' memory, for `GET /v1/agents/:name/memory`. */
  memory: MemoryClient;
  /** The lines runs logged, for `GET /v1/runs/:id/logs`. */
  runLogs: RunLogClient;
  /** What `GET /v1/runs/:id/stream` sends. */
  runStreams: RunStreams;
  /** What `GET /v1/overview` answers. */
  overview: OverviewClient;
  /** What `GET /v1/stream` sends. */
  deploymentStream: DeploymentStream;
  logger: Logger;
  /** What `GET /metrics` serves; its `public` flag opens the route to callers without a key. */
  metrics: VigilMetrics;
  /** Checks the database for `/readyz`. */
  ping: () => Promise<void>;
  /** Largest request body accepted, in bytes; larger ones get 413 and write nothing. */
  maxBodyBytes: number;
  /**
   * The senders `POST /v1/webhooks/:source` accepts (see `resolveWebhookSources`), and the clock
   * their timestamps are judged by (the store's). Without it every source is unknown.
   */
  webhooks?: { sources: readonly WebhookSource[]; clock: Clock };
  /**
   * The web dashboard's built files (`packages/dashboard/dist`), served at `/` with an
   * `index.html` fallback for its pages. Without it, `GET /` answers the JSON index.
   */
  dashboardDir?: string | null;
}

/**
 * The HTTP API as a Hono app: no port of its own, so tests call `app.request(...)` directly
 * and `serve` puts it on a socket.
 */
export function createApp(options: AppOptions): Hono {
  const app = new Hono();
  // First: nothing of a request is read before its key and permission are checked.
  const permissions = options.metrics.public
    ? { ...ROUTE_PERMISSIONS, 'GET /metrics': 'public' as const }
    : ROUTE_PERMISSIONS;
  app.use('*', requireApiKey(options.keys, permissions));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: () => {
        throw new PayloadTooLargeError(`The request body is over the limit of ${options.maxBodyBytes} bytes`);
      },
    }),
  );
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  let openApi: Record<string, unknown> | undefined;
  app.get('/openapi.json', (c) => c.json((openApi ??= openApiDocument())));
  app.get('/readyz', async (c) => {
    try {
      await options.ping();
      return c.json({ status: 'ok' });
    } catch (error) {
      options.logger.warn('readiness check failed: the store does not answer', { error: String(error) });
      return c.json({ error: { code: 'store_unavailable', message: 'The database does not answer', path: null } }, 503);
    }
  });
  app.route('/metrics', metricsRoutes(options.metrics));
  if (!options.dashboardDir) {
    app.get('/', (c) =>
      c.json({
        service: 'vigil',
        api: {
          runs: '/v1/runs',
          workflows: '/v1/workflows',
          tools: '/v1/tools',
          escalations: '/v1/escalations',
          events: '/v1/events',
          schedules: '/v1/schedules',
          webhooks: '/v1/webhooks/:source',
          deadLetters: '/v1/dead-letters',
          breakers: '/v1/breakers',
          keys: '/v1/keys',
          whoami: '/v1/whoami',
          spend: '/v1/spend',
          budgets: '/v1/budgets',
          audit: '/v1/audit',
          auditVerify: '/v1/audit/verify',
          alerts: '/v1/alerts',
          agentMemory: '/v1/agents/:name/memory',
          metrics: '/metrics',
          overview: '/v1/overview',
          stream: '/v1/stream',
          openapi: '/openapi.json',
          health: '/healthz',
          ready: '/readyz',
        },
      }),
    );
  }
  app.route('/v1/runs', runRoutes(options.client, options.runStreams, options.logger, options.maxBodyBytes));
  app.route('/v1/runs', runLogRoutes(options.runLogs));
  app.route('/v1/workflows', workflowRoutes(options.registry));
  app.route('/v1/tools', toolRoutes(options.tools));
  app.route('/v1/escalations', escalationRoutes(options.escalations, options.maxBodyBytes));
  app.route('/v1/events', eventRoutes(options.events, options.maxBodyBytes));
  app.route('/v1/schedules', scheduleRoutes(options.schedules, options.maxBodyBytes));
  app.route(
    '/v1/webhooks',
    webhookRoutes({
      events: options.events,
      sources: options.webhooks?.sources ?? [],
      clock: options.webhooks?.clock ?? systemClock,
      logger: options.logger,
      maxBodyBytes: options.maxBodyBytes,
    }),
  );
  app.route('/v1/dead-letters', deadLetterRoutes(options.deadLetters, options.maxBodyBytes));
  app.route('/v1/breakers', breakerRoutes(options.breakers));
  app.route('/v1/keys', keyRoutes(options.keys, options.maxBodyBytes));
  app.route('/v1/whoami', whoamiRoutes());
  app.route('/v1/spend', spendRoutes(options.budgets));
  app.route('/v1/budgets', budgetRoutes(options.budgets, options.maxBodyBytes));
  app.route('/v1/audit', auditRoutes(options.audit));
  app.route('/v1/alerts', alertRoutes(options.alerts));
  app.route('/v1/agents', agentRoutes(options.memory));
  app.route('/v1/overview', overviewRoutes(options.overview));
  app.route('/v1/stream', streamRoutes(options.deploymentStream, options.logger));
  // Last: every API route above is matched (and authorised) before the dashboard's catch-all.
  if (options.dashboardDir) app.get('/*', dashboardSite(options.dashboardDir, options.keys));
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
