import type { BudgetSettingsOptions } from '../core/budget.js';
import type { Duration } from '../core/duration.js';
import type { PriceOverrides } from '../core/pricing.js';
import type { LlmOptions } from '../llm/model-registry.js';
import type { AnyTool } from '../core/tool.js';
import type { AnyWorkflow } from '../core/workflow.js';
import type { AlertOptions } from '../runtime/alert-options.js';
import type { AuditOptions } from '../runtime/audit-options.js';
import type { MetricsOptions } from '../runtime/metrics.js';
import type { WorkerOptions } from '../runtime/worker.js';
import type { WebhookConfig } from '../server/webhook-sources.js';

/**
 * What `vigil dev` and `vigil worker` read from `vigil.config.ts` (or `.js`, `.mjs`) in the
 * working directory. Command-line flags win over it.
 */
export interface VigilConfig {
  /** The workflows to register. */
  workflows?: readonly AnyWorkflow[];
  /** The tools to list in `GET /v1/tools` and `vigil tools list` (exported tools are found too). */
  tools?: readonly AnyTool[];
  /** A database setting, as for `--db`. */
  database?: string;
  /** HTTP port for `vigil dev` and `vigil server`. */
  port?: number;
  /** How long an idempotency key or event id holds its run or event, e.g. `'24h'` (`VIGIL_IDEMPOTENCY_RETENTION` wins). */
  idempotencyRetention?: Duration;
  worker?: WorkerOptions;
  /**
   * The senders of signed webhooks (`POST /v1/webhooks/:source`). Sources named only by a
   * `VIGIL_WEBHOOK_SECRET_<NAME>` variable are accepted too.
   *
   * @example
   * webhooks: { sources: { github: { secretEnv: 'GITHUB_WEBHOOK_SECRET' }, billing: { event: 'invoice.received' } } }
   */
  webhooks?: WebhookConfig;
  /** LLM prices written over the built-in table, USD per million tokens (see `VigilOptions.pricing`). */
  pricing?: PriceOverrides;
  /**
   * Named models for `ctx.llm` (see `VigilOptions.llm`); `VIGIL_LLM_URL` overrides `default`.
   *
   * @example
   * llm: { models: { default: { provider: 'ollama', model: 'qwen3:8b' } } }
   */
  llm?: LlmOptions;
  /**
   * Daily spend limits of the deployment and of named agents (see `VigilOptions.budgets`).
   *
   * @example
   * budgets: { globalPerDayUsd: 50, agents: { triage: { perDayUsd: 5, softAt: 0.8 } } }
   */
  budgets?: BudgetSettingsOptions;
  /** The audit trail: redaction rules, the signed head's key and file (`VIGIL_AUDIT_KEY`, `VIGIL_AUDIT_HEAD_FILE`). */
  audit?: AuditOptions;
  /**
   * Alert rules and the signed webhook alerts go to (see `VigilOptions.alerts`;
   * `VIGIL_ALERT_WEBHOOK_URL`/`_SECRET` when no webhook is given here).
   *
   * @example
   * alerts: { rules: [{ kind: 'success_rate', workflow: 'patient.discharge', below: 0.9 }, { kind: 'stuck_runs', after: '10m' }] }
   */
  alerts?: AlertOptions;
  /**
   * `GET /metrics`: `public: true` serves it without an API key, for a scraper on a private
   * network (`VIGIL_METRICS_PUBLIC=1` does the same; by default it needs a key with `read`).
   */
  metrics?: MetricsOptions;
}

/**
 * Types a Vigil config file.
 *
 * @example
 * // vigil.config.ts
 * import { defineConfig } from 'vigil';
 * import { discharge } from './workflows/discharge.js';
 * export default defineConfig({ workflows: [discharge] });
 */
export function defineConfig(config: VigilConfig): VigilConfig {
  return config;
}
