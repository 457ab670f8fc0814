import { InvalidArgumentError } from '../core/errors.js';
import { validateEventName } from '../core/event-match.js';

/** One webhook sender as written in `vigil.config.ts` under `webhooks.sources.<name>`. */
export interface WebhookSourceConfig {
  /**
   * The secrets a delivery may be signed with (`whsec_<base64>`, or any other string used as
   * UTF-8 bytes). Two during a rotation. Prefer `secretEnv` to keep secrets out of the file.
   */
  secrets?: readonly string[];
  /** The environment variable holding the secrets. Default `VIGIL_WEBHOOK_SECRET_<NAME>`. */
  secretEnv?: string;
  /** The event every delivery becomes. Default `<source>.<payload.type>`, else `<source>`. */
  event?: string;
}

/** The `webhooks` section of `vigil.config.ts`. */
export interface WebhookConfig {
  sources?: Readonly<Record<string, WebhookSourceConfig>>;
}

/** A source as the server uses it: its name in `/v1/webhooks/:source`, its secrets, its event. */
export interface WebhookSource {
  name: string;
  secrets: readonly string[];
  /** The event name every delivery becomes; null to derive it from the payload. */
  event: string | null;
}

const SOURCE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ENV_PREFIX = 'VIGIL_WEBHOOK_SECRET_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function isWebhookSourceName(name: string): boolean {
  return SOURCE_NAME.test(name);
}

/** The variable a source's secrets are read from by default: `stripe-live` → `VIGIL_WEBHOOK_SECRET_STRIPE_LIVE`. */
export function webhookSecretEnv(source: string): string {
  return `${ENV_PREFIX}${source.toUpperCase().replace(/-/g, '_')}`;
}

/**
 * The sources the server accepts: each one of `config`, with its secrets from the config or its
 * variable, plus one source per other `VIGIL_WEBHOOK_SECRET_<NAME>` variable, named `<name>` in
 * lower case. A variable holds one or more secrets separated by spaces or commas.
 *
 * @throws InvalidArgumentError at start-up for a bad name, a source without secrets, a malformed
 *   `whsec_` secret or a bad event name, so a misconfigured sender is never silently refused.
 */
export function resolveWebhookSources(
  config: WebhookConfig | undefined,
  env: Readonly<Record<string, string | undefined>>,
): WebhookSource[] {
  const sources: WebhookSource[] = [];
  const claimed = new Set<string>();
  for (const [name, source] of Object.entries(config?.sources ?? {})) {
    const where = `webhooks.sources.${name}`;
    if (!isWebhookSourceName(name)) {
      throw new InvalidArgumentError(`${where}: a source name is 1–64 letters, digits, '-' or '_'`);
    }
    if (source.secrets !== undefined && source.secretEnv !== undefined) {
      throw new InvalidArgumentError(`${where}: give secrets or secretEnv, not both`);
    }
    const variable = source.secretEnv ?? webhookSecretEnv(name);
    claimed.add(variable);
    const secrets = source.secrets ?? splitSecrets(env[variable]);
    if (secrets.length === 0) {
      throw new InvalidArgumentError(
        `${where} has no secret: set ${variable}${source.secretEnv === undefined ? ' or secrets' : ''}`,
      );
    }
    const event = source.event === undefined ? null : validateEventName(source.event, `${where}.event`);
    sources.push({ name, secrets: secrets.map((s) => checkSecret(s, where)), event });
  }
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith(ENV_PREFIX) || claimed.has(variable)) continue;
    const name = variable.slice(ENV_PREFIX.length).toLowerCase();
    if (!isWebhookSourceName(name)) {
      throw new InvalidArgumentError(`${variable}: the source name after ${ENV_PREFIX} must be letters, digits or '_'`);
    }
    const secrets = splitSecrets(value);
    if (secrets.length === 0) throw new InvalidArgumentError(`${variable} is set but holds no secret`);
    sources.push({ name, secrets: secrets.map((s) => checkSecret(s, variable)), event: null });
  }
  return sources;
}

function splitSecrets(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter((secret) => secret.length > 0);
}

function checkSecret(secret: string, where: string): string {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new InvalidArgumentError(`${where}: a webhook secret must be a non-empty string`);
  }
  // A typo in the base64 part would otherwise sign with a shorter, or empty, key.
  if (secret.startsWith('whsec_') && !BASE64.test(secret.slice('whsec_'.length))) {
    throw new InvalidArgumentError(`${where}: a whsec_ secret must be followed by base64`);
  }
  return secret;
}
