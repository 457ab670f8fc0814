import { Hono, type Context } from 'hono';

import type { Clock } from '../../core/clock.js';
import { NotFoundError, PayloadTooLargeError, ValidationError, VigilError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { verifyWebhookSignature } from '../../core/webhook-signature.js';
import { webhookPrincipal } from '../../governance/principal.js';
import type { EventClient } from '../../runtime/event-client.js';
import type { WebhookSource } from '../webhook-sources.js';

/** How far a delivery's `webhook-timestamp` may be from the server's clock, either way. */
export const WEBHOOK_TOLERANCE_MS = 5 * 60 * 1000;

export interface WebhookRouteOptions {
  events: EventClient;
  sources: readonly WebhookSource[];
  /** The server's time, against which timestamps are judged (the store's clock). */
  clock: Clock;
  logger: Logger;
  maxBodyBytes: number;
}

/**
 * `/v1/webhooks/:source`: Standard Webhooks deliveries. Checks run in this order and each
 * refusal writes nothing: a known source (404), the size (413), the three headers, a timestamp
 * within {@link WEBHOOK_TOLERANCE_MS} and a signature by one of the source's secrets over the
 * body's bytes as received (401), JSON (400). The delivery then becomes an event deduplicated
 * on `webhook:<source>:<webhook-id>`, so a sender's retry is answered `200` and starts nothing.
 */
export function webhookRoutes(options: WebhookRouteOptions): Hono {
  const sources = new Map(options.sources.map((source) => [source.name, source]));
  const app = new Hono();

  app.post('/:source', async (c) => {
    const name = c.req.param('source');
    const source = sources.get(name);
    if (!source) {
      throw new NotFoundError('webhook_source_not_found', `No webhook source named ${JSON.stringify(name)}`, {
        path: 'source',
      });
    }
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.byteLength > options.maxBodyBytes) {
      throw new PayloadTooLargeError(`The request body is over the limit of ${options.maxBodyBytes} bytes`);
    }
    const delivery = authenticate(c, source, body, options.clock.now());
    if (!delivery.ok) {
      options.logger.warn('webhook delivery refused', {
        source: name,
        webhookId: c.req.header('webhook-id') ?? null,
        reason: delivery.refusal.code,
      });
      throw delivery.refusal;
    }
    const payload = parseJson(body);
    const result = await options.events.send({
      name: eventName(source, payload),
      payload,
      id: `webhook:${name}:${delivery.webhookId}`,
      source: `webhook:${name}`,
      // Signed by the source, not sent with an API key: the source is who acted.
      principal: webhookPrincipal(name),
    });
    if (result.created) return c.json(result, 202);
    c.header('Idempotent-Replayed', 'true');
    return c.json(result, 200);
  });

  return app;
}

/**
 * The event a delivery becomes: the source's configured `event`; else `<source>.<type>` when
 * the payload is an object with a string `type` (as most senders label deliveries); else `<source>`.
 */
export function eventName(source: WebhookSource, payload: unknown): string {
  if (source.event !== null) return source.event;
  const type =
    typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)['type']
      : undefined;
  return typeof type === 'string' ? `${source.name}.${type}` : source.name;
}

const SIGNATURE_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

type Authentication = { ok: true; webhookId: string } | { ok: false; refusal: VigilError };

/**
 * Whether the delivery was signed for this source, recently. A refusal says what is wrong with
 * the delivery, never which secrets the source has.
 */
function authenticate(c: Context, source: WebhookSource, body: Uint8Array, nowMs: number): Authentication {
  const refuse = (code: string, message: string): Authentication => ({
    ok: false,
    refusal: new VigilError(code, message),
  });
  const id = c.req.header('webhook-id');
  const timestamp = c.req.header('webhook-timestamp');
  const signature = c.req.header('webhook-signature');
  if (!id || !timestamp || !signature) {
    const missing = SIGNATURE_HEADERS.filter((header) => !c.req.header(header));
    return refuse('webhook_signature_missing', `The delivery lacks the header(s) ${missing.join(', ')}`);
  }
  if (!/^\d{1,15}$/.test(timestamp)) {
    return refuse('webhook_timestamp_invalid', 'webhook-timestamp must be whole seconds since the Unix epoch');
  }
  const skewMs = Number(timestamp) * 1000 - nowMs;
  if (Math.abs(skewMs) > WEBHOOK_TOLERANCE_MS) {
    return refuse(
      'webhook_timestamp_stale',
      `webhook-timestamp is ${Math.round(Math.abs(skewMs) / 1000)} s ${skewMs < 0 ? 'old' : 'in the future'}; ` +
        `deliveries are accepted within ${WEBHOOK_TOLERANCE_MS / 60_000} minutes of the server's clock`,
    );
  }
  if (!verifyWebhookSignature(source.secrets, id, Number(timestamp), body, signature)) {
    return refuse(
      'webhook_signature_invalid',
      'No signature in webhook-signature matches this delivery for this source',
    );
  }
  return { ok: true, webhookId: id };
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as unknown;
  } catch (error) {
    throw new ValidationError('invalid_json', `The webhook body is not valid JSON: ${(error as Error).message}`);
  }
}
