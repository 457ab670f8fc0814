import { apiOptions } from '../api-options.js';
import type { Vigil } from '../compose.js';
import { createApp } from '../server/app.js';
import { serve, type RunningServer } from '../server/serve.js';
import { resolveWebhookSources, type WebhookConfig } from '../server/webhook-sources.js';

export interface ServeApiOptions {
  /** The webhook senders, as in `vigil.config.ts` (`webhooks`). */
  webhooks?: WebhookConfig;
  /** Where `VIGIL_WEBHOOK_SECRET_<NAME>` variables are read. Default: none (a test passes its own). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Default 0: a free port. */
  port?: number;
  /** Largest request body, in bytes. Default: as `vigil dev` (2 MiB plus 64 KiB). */
  maxBodyBytes?: number;
}

/**
 * Serves `vigil`'s HTTP API on a real socket at 127.0.0.1, as `vigil dev` does, for tests that
 * go through HTTP: a webhook signed by the sender's own library, a client of your own. Webhook
 * timestamps are judged by the store's clock. Close it before closing `vigil`.
 *
 * @example
 * const api = await serveApi(vigil, { webhooks: { sources: { pms: { secrets: [secret] } } } });
 * await fetch(`${api.url}/v1/webhooks/pms`, { method: 'POST', headers: signedHeaders(secret, id, ts, body), body });
 * await api.close();
 */
export async function serveApi(vigil: Vigil, options: ServeApiOptions = {}): Promise<RunningServer> {
  const sources = resolveWebhookSources(options.webhooks, options.env ?? {});
  await vigil.ready();
  const app = createApp(
    apiOptions(vigil, {
      logger: vigil.logger,
      maxBodyBytes: options.maxBodyBytes ?? 2 * 1024 * 1024 + 64 * 1024,
      webhookSources: sources,
    }),
  );
  return serve(app, { port: options.port ?? 0, hostname: '127.0.0.1' });
}
