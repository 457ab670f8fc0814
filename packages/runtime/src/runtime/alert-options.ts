import type { Duration } from '../core/duration-parse.js';
import { readDuration } from '../core/duration-parse.js';
import { ValidationError } from '../core/errors.js';
import { resolveAlertRules, type AlertRule, type ResolvedAlertRule } from './alert-rules.js';

/**
 * `VigilOptions.alerts`: the rules this process evaluates, where firing and resolved alerts are
 * sent, and how often.
 *
 * @example
 * alerts: {
 *   rules: [{ kind: 'success_rate', workflow: 'patient.discharge', below: 0.9, window: '1h' }],
 *   webhook: { url: 'https://ops.example/hooks/vigil', secret: process.env.ALERT_SECRET! },
 * }
 */
export interface AlertOptions {
  rules?: readonly AlertRule[];
  /**
   * Where alerts are POSTed, signed like escalation webhooks (Standard Webhooks). Default
   * `VIGIL_ALERT_WEBHOOK_URL` and `VIGIL_ALERT_WEBHOOK_SECRET`; none: the log only.
   */
  webhook?: { url: string; secret: string };
  /** How often this process evaluates every rule. At least 1 s; default `VIGIL_ALERT_INTERVAL`, else `'30s'`. */
  interval?: Duration;
}

export interface AlertSettings {
  rules: ResolvedAlertRule[];
  webhook: { url: string; secret: string } | null;
  intervalMs: number;
}

/** Checks `alerts` (and the environment) once, at construction: a bad rule stops start-up with its path. */
export function resolveAlertSettings(options: AlertOptions | false | undefined): AlertSettings {
  if (options === false) return { rules: [], webhook: null, intervalMs: 30_000 };
  const rules = resolveAlertRules(options?.rules);
  const envInterval = process.env['VIGIL_ALERT_INTERVAL'];
  const interval =
    options?.interval ?? (envInterval ? (/^\d+$/.test(envInterval) ? Number(envInterval) : envInterval) : 30_000);
  const path = options?.interval === undefined && envInterval ? 'VIGIL_ALERT_INTERVAL' : 'alerts.interval';
  const reading = readDuration(interval, path);
  if (!reading.ok || reading.ms < 1000) {
    throw new ValidationError('alert_rule_invalid', reading.ok ? `${path} must be at least 1s` : reading.problem, {
      path,
    });
  }
  return { rules, webhook: webhookOf(options?.webhook), intervalMs: reading.ms };
}

function webhookOf(option: AlertOptions['webhook']): AlertSettings['webhook'] {
  const url = option?.url ?? process.env['VIGIL_ALERT_WEBHOOK_URL'];
  const secret = option?.secret ?? process.env['VIGIL_ALERT_WEBHOOK_SECRET'];
  if (!url) return null;
  const path = option ? 'alerts.webhook' : 'VIGIL_ALERT_WEBHOOK_URL';
  try {
    new URL(url);
  } catch {
    throw new ValidationError('alert_rule_invalid', `${path} has no valid URL: ${JSON.stringify(url)}`, { path });
  }
  if (!secret) {
    throw new ValidationError('alert_rule_invalid', `${path} needs a secret to sign deliveries with`, {
      path: option ? 'alerts.webhook.secret' : 'VIGIL_ALERT_WEBHOOK_SECRET',
    });
  }
  return { url, secret };
}
