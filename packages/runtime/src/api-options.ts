import type { Vigil } from './compose.js';
import type { Logger } from './core/logger.js';
import { DeploymentStream } from './runtime/deployment-stream.js';
import { MemoryClient } from './runtime/memory-client.js';
import { OverviewClient } from './runtime/overview-client.js';
import { RunStreams } from './runtime/run-stream.js';
import { WORKER_DEFAULTS } from './runtime/worker.js';
import type { AppOptions } from './server/app.js';
import type { WebhookSource } from './server/webhook-sources.js';

/**
 * The HTTP app's options over `vigil`'s clients: what `vigil dev`, `vigil server` and
 * `serveApi` serve. Webhook timestamps are judged by the store's clock.
 */
export function apiOptions(
  vigil: Vigil,
  options: {
    logger: Logger;
    maxBodyBytes: number;
    webhookSources?: readonly WebhookSource[];
    /** The web dashboard's built files to serve at `/` (see `findDashboardDir`). */
    dashboardDir?: string | null;
  },
): AppOptions {
  return {
    client: vigil.client,
    registry: vigil.registry,
    tools: vigil.tools,
    escalations: vigil.escalations,
    events: vigil.eventClient,
    deadLetters: vigil.deadLetters,
    breakers: vigil.breakers,
    schedules: vigil.schedules,
    keys: vigil.keys,
    budgets: vigil.budgets,
    audit: vigil.audit,
    alerts: vigil.alerts,
    memory: new MemoryClient(vigil.store),
    runLogs: vigil.runLogs,
    runStreams: new RunStreams({
      client: vigil.client,
      store: vigil.store,
      events: vigil.events,
      clock: vigil.store.clock,
    }),
    // Without a heartbeat table, a worker is seen by its leases; its last renewal is estimated from the lease TTL.
    overview: new OverviewClient({
      store: vigil.store,
      clock: vigil.store.clock,
      leaseTtlMs: WORKER_DEFAULTS.leaseTtlMs,
    }),
    deploymentStream: new DeploymentStream({ store: vigil.store, events: vigil.events, clock: vigil.store.clock }),
    logger: options.logger,
    ping: () => vigil.store.ping(),
    metrics: vigil.metrics,
    maxBodyBytes: options.maxBodyBytes,
    ...(options.dashboardDir ? { dashboardDir: options.dashboardDir } : {}),
    ...(options.webhookSources ? { webhooks: { sources: options.webhookSources, clock: vigil.store.clock } } : {}),
  };
}
