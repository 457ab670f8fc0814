import type { WebhookSourceConfig } from 'vigil';

import { GUEST_REQUEST_EVENT } from './late-checkout.js';

/**
 * The secret `npm start` accepts PMS webhooks with when `VIGIL_WEBHOOK_SECRET_PMS` is not set.
 * It is published in this repository: for development only.
 */
export const PMS_DEV_SECRET = 'whsec_hsymiFX30HBF0ElU7hPmeaF3N77aNYxI';

/**
 * The `pms` webhook source: every delivery becomes a `guest.request` event, signed with the
 * secrets in `VIGIL_WEBHOOK_SECRET_PMS` (several, separated by spaces or commas, during a
 * rotation), else with {@link PMS_DEV_SECRET}.
 *
 * @example
 * defineConfig({ webhooks: { sources: { pms: pmsWebhookSource() } } });
 */
export function pmsWebhookSource(env: Readonly<Record<string, string | undefined>> = process.env): WebhookSourceConfig {
  const secrets = (env['VIGIL_WEBHOOK_SECRET_PMS'] ?? '').split(/[\s,]+/).filter((secret) => secret.length > 0);
  return { event: GUEST_REQUEST_EVENT, secrets: secrets.length > 0 ? secrets : [PMS_DEV_SECRET] };
}
