import type { BudgetSettingsOptions } from './core/budget.js';
import type { Clock } from './core/clock.js';
import type { Duration } from './core/duration.js';
import type { Failpoints } from './core/failpoints.js';
import type { Logger } from './core/logger.js';
import type { PriceOverrides } from './core/pricing.js';
import type { AnyTool } from './core/tool.js';
import type { AnyWorkflow } from './core/workflow.js';
import type { LlmOptions } from './llm/model-registry.js';
import type { AlertOptions } from './runtime/alert-options.js';
import type { AuditOptions } from './runtime/audit-options.js';
import type { NotifierOptions } from './runtime/escalation-notifier.js';
import type { MetricsOptions } from './runtime/metrics.js';
import type { StepLogOptions, TracingOptions } from './runtime/observability.js';
import type { SchedulerOptions } from './runtime/scheduler.js';
import type { ToolFaults } from './runtime/tool-faults.js';
import type { WorkerOptions } from './runtime/worker.js';
import type { Store } from './store/store.js';

export interface VigilOptions {
  /**
   * `postgres://…` for PostgreSQL (`?schema=` for a schema other than `public`), a SQLite file
   * path (`sqlite:` prefix optional, `:memory:` for a throwaway store), or a `Store`.
   * Default: `VIGIL_DATABASE_URL`, else `.vigil/vigil.db`.
   */
  database?: string | Store;
  /** PostgreSQL connections in the pool. Default `VIGIL_DB_POOL_SIZE`, else 10. */
  poolSize?: number;
  /** The workflows this process starts and executes. */
  workflows?: readonly AnyWorkflow[];
  /** The tools to list in `GET /v1/tools` and `vigil tools list` (calls work without registering). */
  tools?: readonly AnyTool[];
  /** Time source for a store opened from a path. Tests pass a `FakeClock`. */
  clock?: Clock;
  logger?: Logger;
  failpoints?: Failpoints;
  /**
   * A hook around every `tool.run` this instance's worker makes: how `vigil chaos` injects
   * failures, latency and rate limits into a user's tools and counts their completed effects
   * in its external ledger (`toolFaultsFromSpec`, `VIGIL_TOOL_FAULTS` for `vigil worker`).
   * None by default, and then it costs nothing.
   */
  toolFaults?: ToolFaults;
  /** Largest input, step result or output, as bytes of JSON. Default 2 MiB. */
  maxPayloadBytes?: number;
  /**
   * How long an idempotency key (`Idempotency-Key`, `--idempotency-key`, an event's id) holds
   * the run or event it made: within it, the same key is the same run; after it, the key starts
   * a new one. A positive duration. Default `VIGIL_IDEMPOTENCY_RETENTION`, else `'24h'`.
   */
  idempotencyRetention?: Duration;
  /** Start a worker in this process with these options (`true` for the defaults). */
  worker?: WorkerOptions | boolean;
  /**
   * How escalations are announced by the process that runs a worker: always to the log, and to
   * a signed webhook when one is set. Default: `VIGIL_ESCALATION_WEBHOOK_URL` and
   * `VIGIL_ESCALATION_WEBHOOK_SECRET`. `false`: no notifier in this process.
   */
  notifications?: NotifierOptions | false;
  /**
   * The cron scheduler that runs beside the worker (`startWorker`), firing the schedules of the
   * registered workflows. `false`: none in this process.
   */
  scheduler?: SchedulerOptions | false;
  /**
   * LLM prices, USD per million input, output and cached-input tokens, written over the
   * built-in table (`PRICE_TABLE_VERSION`); a `default` entry prices models the table lacks.
   *
   * @example
   * pricing: { 'gpt-4.1-mini': { input: 0.4, output: 1.6, cached: 0.1 }, 'my-finetune': { input: 3, output: 12 } }
   */
  pricing?: PriceOverrides;
  /**
   * The named models `ctx.llm({ model })` calls: provider settings or AI SDK model objects.
   * Without a `default`, the offline scripted model answers; `VIGIL_LLM_URL` (+ `VIGIL_LLM_MODEL`,
   * `VIGIL_LLM_API_KEY_ENV`) in the environment makes `default` an OpenAI-compatible server.
   *
   * @example
   * llm: { models: { default: { provider: 'openai', model: 'gpt-4.1-mini' }, local: { provider: 'ollama', model: 'qwen3:8b' } } }
   */
  llm?: LlmOptions;
  /**
   * Spend limits beyond one workflow's `budget`: all spend of the deployment per UTC day, and
   * named agents' daily limits (shared by every workflow with that `agent`).
   *
   * @example
   * budgets: { globalPerDayUsd: 50, agents: { triage: { perDayUsd: 5, softAt: 0.8 } } }
   */
  budgets?: BudgetSettingsOptions;
  /**
   * The audit trail this instance records: triggers, step and run outcomes, tool calls, policy
   * decisions, spend, escalations and operator actions, appended to the hash chain in batches;
   * redaction rules; the signed head's key and file (default `VIGIL_AUDIT_KEY`,
   * `VIGIL_AUDIT_HEAD_FILE`). `false`: this instance records nothing (another process must).
   */
  audit?: AuditOptions | false;
  /**
   * OpenTelemetry spans of runs, steps, tool and LLM calls. Default: the global tracer provider,
   * which Vigil sets up from the `OTEL_*` variables when they configure an exporter (see
   * docs/observability.md); `false`: no spans from this instance.
   */
  tracing?: TracingOptions | false;
  /**
   * The lines run code logs, stored per step for `GET /v1/runs/:id/logs` (capped per step
   * attempt: 200 lines, 64 KiB by default). `false`: not stored (they still go to `logger`).
   */
  stepLogs?: StepLogOptions | false;
  /**
   * Alert rules this instance evaluates (every 30 s by default; any number of instances may, each
   * transition is made once), and the signed webhook firing and resolved alerts are sent to (by
   * the notifier of a process with a worker). A bad rule throws `alert_rule_invalid` here.
   * `false`: this instance evaluates nothing.
   *
   * @example
   * alerts: { rules: [{ kind: 'success_rate', below: 0.9, window: '1h' }, { kind: 'stuck_runs', after: '10m' }] }
   */
  alerts?: AlertOptions | false;
  /**
   * Prometheus metrics (`vigil.metrics`, served at `GET /metrics`): whether the route is public.
   * Default `VIGIL_METRICS_PUBLIC`, else it needs an API key with `read`.
   */
  metrics?: MetricsOptions;
}
