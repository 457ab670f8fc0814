/**
 * Who acted: the principal recorded on every run, event and operator action, and in the audit
 * trail. A string with a kind prefix, so it reads the same in a database row, a log line and
 * an export:
 *
 * - `key:<keyId>` — a caller of the HTTP API, by its API key's public id (never the secret);
 * - `schedule:<scheduleId>` — a run a cron schedule started;
 * - `event:<eventId>` — a run an event started (the event records who sent it);
 * - `webhook:<source>` — an event a signed webhook delivery made;
 * - `cli:<os user>` — a CLI command that works on the database directly (`vigil keys`);
 * - `code` — a start from code that named no principal.
 *
 * Other parts treat a principal as `string | null` (null: recorded before principals existed).
 */
export type Principal =
  `key:${string}` | `schedule:${string}` | `event:${string}` | `webhook:${string}` | `cli:${string}` | 'code';

/** What a start from code records when it names no principal. */
export const CODE_PRINCIPAL = 'code' satisfies Principal;

export const keyPrincipal = (keyId: string): Principal => `key:${keyId}`;
export const schedulePrincipal = (scheduleId: string): Principal => `schedule:${scheduleId}`;
export const eventPrincipal = (eventId: string): Principal => `event:${eventId}`;
export const webhookPrincipal = (source: string): Principal => `webhook:${source}`;
export const cliPrincipal = (user: string): Principal => `cli:${user}`;

const KINDS = ['key', 'schedule', 'event', 'webhook', 'cli'] as const;

/** Whether `value` has the shape of a principal: a known kind with a non-empty name, or `code`. */
export function isPrincipal(value: unknown): value is Principal {
  if (value === CODE_PRINCIPAL) return true;
  if (typeof value !== 'string') return false;
  const colon = value.indexOf(':');
  return colon > 0 && colon < value.length - 1 && (KINDS as readonly string[]).includes(value.slice(0, colon));
}
