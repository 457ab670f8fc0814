/** Options a Vigil takes from the environment when the code does not give them. */
import { parseDuration, type Duration } from '../core/duration.js';
import { InvalidArgumentError } from '../core/errors.js';
import { DEFAULT_IDEMPOTENCY_RETENTION_MS } from '../core/ids.js';
import type { NotifierOptions } from './escalation-notifier.js';

/** The option, else `VIGIL_IDEMPOTENCY_RETENTION` (a duration such as `24h`, or milliseconds), else 24 h. */
export function resolveIdempotencyRetention(option: Duration | undefined): number {
  const env = process.env['VIGIL_IDEMPOTENCY_RETENTION'];
  const [value, what] =
    option !== undefined
      ? [option, 'idempotencyRetention']
      : env !== undefined && env.trim() !== ''
        ? [/^\s*\d+\s*$/.test(env) ? Number(env) : (env as Duration), 'VIGIL_IDEMPOTENCY_RETENTION']
        : [DEFAULT_IDEMPOTENCY_RETENTION_MS, 'idempotencyRetention'];
  const ms = parseDuration(value, what);
  if (ms < 1 || !Number.isSafeInteger(ms)) {
    throw new InvalidArgumentError(`${what} must be a positive duration such as '24h'; got ${JSON.stringify(value)}`);
  }
  return ms;
}

/** The escalation webhook from `VIGIL_ESCALATION_WEBHOOK_URL` and `VIGIL_ESCALATION_WEBHOOK_SECRET`, if set. */
export function notifierOptionsFromEnv(): NotifierOptions {
  const url = process.env['VIGIL_ESCALATION_WEBHOOK_URL'];
  const secret = process.env['VIGIL_ESCALATION_WEBHOOK_SECRET'];
  if (!url) return {};
  if (!secret) {
    throw new InvalidArgumentError('VIGIL_ESCALATION_WEBHOOK_URL is set but VIGIL_ESCALATION_WEBHOOK_SECRET is not');
  }
  return { webhook: { url, secret } };
}
