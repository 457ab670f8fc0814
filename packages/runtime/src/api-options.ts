import type { Vigil } from './compose.js';
import type { Logger } from './core/logger.js';
import { MemoryClient } from './runtime/memory-client.js';
import { RunStreams } from './runtime/run-stream.js';
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
    memory: new MemoryClient(vigil.store),
    runStreams: new RunStreams({
      client: vigil.client,
      store: vigil.store,
      events: vigil.events,
      clock: vigil.store.clock,
    }),
    logger: options.logger,
    ping: () => vigil.store.ping(),
    maxBodyBytes: options.maxBodyBytes,
    ...(options.dashboardDir ? { dashboardDir: options.dashboardDir } : {}),
    ...(options.webhookSources ? { webhooks: { sources: options.webhookSources, clock: vigil.store.clock } } : {}),
  };
}
