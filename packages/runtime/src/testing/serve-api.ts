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

/** A served API, and an admin key for it. */
export interface ServedApi extends RunningServer {
  /**
   * A new admin API key (named `serveApi`) on `vigil`'s store: send it as
   * `Authorization: Bearer <apiKey>` (or `VIGIL_API_KEY` for the CLI). Every route but
   * `/healthz` and signed webhooks needs a key.
   */
  apiKey: string;
}

/**
 * Serves `vigil`'s HTTP API on a real socket at 127.0.0.1, as `vigil dev` does, for tests that
 * go through HTTP: a webhook signed by the sender's own library, a client of your own. Webhook
 * timestamps are judged by the store's clock. Creates an admin key and returns it as `apiKey`.
 * Close it before closing `vigil`.
 *
 * @example
 * const api = await serveApi(vigil, { webhooks: { sources: { pms: { secrets: [secret] } } } });
 * await fetch(`${api.url}/v1/runs`, { headers: { authorization: `Bearer ${api.apiKey}` } });
 * await fetch(`${api.url}/v1/webhooks/pms`, { method: 'POST', headers: signedHeaders(secret, id, ts, body), body });
 * await api.close();
 */
export async function serveApi(vigil: Vigil, options: ServeApiOptions = {}): Promise<ServedApi> {
  const sources = resolveWebhookSources(options.webhooks, options.env ?? {});
  await vigil.ready();
  const { key } = await vigil.keys.create({ role: 'admin', name: 'serveApi', principal: 'code' });
  const app = createApp(
    apiOptions(vigil, {
      logger: vigil.logger,
      maxBodyBytes: options.maxBodyBytes ?? 2 * 1024 * 1024 + 64 * 1024,
      webhookSources: sources,
    }),
  );
  return { ...(await serve(app, { port: options.port ?? 0, hostname: '127.0.0.1' })), apiKey: key };
}
