/**
 * Vigil: durable execution for long-running AI agents. Every export is named here; anything
 * not exported is internal.
 */
export { createVigil, Vigil, type VigilOptions } from './compose.js';
export {
  defineWorkflow,
  isWorkflow,
  type AnyWorkflow,
  type Workflow,
  type WorkflowInput,
  type WorkflowOptions,
  type WorkflowOutput,
} from './core/workflow.js';
export type {
  EscalateOptions,
  EscalationOutcome,
  EventWaitResult,
  SendEventOptions,
  WaitForEventOptions,
  StepContext,
  StepOptions,
  ToolCallOptions,
  WorkflowContext,
} from './core/context.js';
export {
  defineTool,
  isTool,
  type AnyTool,
  type Tool,
  type ToolCallContext,
  type ToolCost,
  type ToolOptions,
  type VerifyResult,
} from './core/tool.js';
export type { Effects, Fallback, OnExhausted, StepPolicyOptions } from './core/step-policy.js';
export { MAX_MEMORY_KEY_LENGTH, type Memory, type MemoryVersion, type RunMemory } from './core/memory.js';
export type {
  ApprovalOptions,
  ArgumentCheck,
  ArgumentConstraint,
  RateLimitScope,
  ToolAccessPolicy,
  ToolAccessPolicyOptions,
  ToolRateLimitOptions,
} from './core/tool-access-policy.js';
export { evaluateToolCall, type ToolCallDecision } from './governance/tool-policy.js';
export type { RetryOptions } from './core/resilience/retry-policy.js';
export type { CircuitBreakerOptions } from './core/resilience/circuit-breaker.js';
export { signedHeaders, verifyWebhookSignature, webhookSignature } from './core/webhook-signature.js';
export { parseDuration, type Duration } from './core/duration.js';
export { systemClock, type Clock } from './core/clock.js';
export { silentLogger, type Logger } from './core/logger.js';
export type { JsonValue } from './core/json.js';
export { RUN_STATUSES, TERMINAL_STATUSES, isTerminalStatus, type RunStatus } from './core/run-status.js';
export type { StepKind, StepStatus } from './core/step-identity.js';
export {
  CheckpointCorruptedError,
  EscalationAbortedError,
  CircuitOpenError,
  ConflictError,
  InvalidArgumentError,
  LeaseLostError,
  NonRetryableError,
  NotFoundError,
  PayloadTooLargeError,
  RetryableError,
  RunFailedError,
  StepFailedError,
  StepMismatchError,
  TimeoutError,
  ValidationError,
  VigilError,
  isVigilError,
  toErrorRecord,
  type ErrorRecord,
} from './core/errors.js';
export { BudgetExceededError, PolicyDeniedError } from './core/governance-errors.js';
export { NotSerializableError } from './core/json.js';
export type { ListRunsOptions, ResultOptions, RunList, StartOptions, StartResult } from './runtime/client.js';
export type { RunDetails, RunSummary, StepView } from './runtime/run-view.js';
export type { AttemptView, BreakerView, DeadLetterView, EscalationView } from './runtime/operator-views.js';
export type { ListEscalationsOptions, ResolveEscalation } from './runtime/escalation-client.js';
export type { ListDeadLettersOptions, ReplayOptions, ReplayResult } from './runtime/dead-letter-client.js';
export type { ToolView } from './runtime/tool-registry.js';
export type { EventDetails, EventView, SendEvent, SendResult } from './runtime/event-client.js';
export type { CreateSchedule, ListSchedulesOptions, ScheduleClient } from './runtime/schedule-client.js';
export type { ScheduleView } from './runtime/operator-views.js';
export type { SchedulerOptions } from './runtime/scheduler.js';
export { eventMatches, type EventMatch } from './core/event-match.js';
export {
  lastSlotAtOrBefore,
  nextSlot,
  slotIdempotencyKey,
  slotJitter,
  validateSchedule,
  type ScheduleCatchUp,
  type ScheduleOptions,
  type ScheduleOverlap,
  type ScheduleSpec,
} from './core/schedule-spec.js';
export type { ConcurrencyLimit, FlowControlOptions, StartRateLimit } from './core/flow-control.js';
export type { NotifierOptions } from './runtime/escalation-notifier.js';
export type { Progress } from './runtime/progress.js';
export type { RuntimeEventMap, RuntimeEventName, RuntimeEvents } from './runtime/events.js';
export { Worker, type WorkerOptions } from './runtime/worker.js';
export { createLogger, type LoggerOptions } from './runtime/pino-logger.js';
export type { StepLogOptions, TracingOptions } from './runtime/observability.js';
export type { RunLogLine, RunLogPage, RunLogQuery } from './runtime/run-log-client.js';
export { runTraceParent } from './runtime/run-trace-parent.js';
export type { Store } from './store/store.js';
export { SqliteStore, type SqliteStoreOptions } from './store/sqlite/sqlite-store.js';
export { defineConfig, type VigilConfig } from './cli/config.js';
export type { WebhookConfig, WebhookSourceConfig } from './server/webhook-sources.js';
export {
  costOf,
  DEFAULT_PRICES,
  priceOf,
  PRICE_TABLE_VERSION,
  resolvePriceTable,
  UnknownModelError,
  type ModelPrice,
  type PriceOverrides,
  type PriceTable,
  type TokenUsage,
} from './core/pricing.js';
export type { BudgetOptions, BudgetSettingsOptions, OnBudgetExceeded } from './core/budget.js';
export type {
  BudgetLimitView,
  BudgetsView,
  SetLimit,
  SpendGroupBy,
  SpendOptions,
  SpendReport,
  WorkflowBudgetView,
} from './runtime/budget-client.js';
export type { AuditOptions } from './runtime/audit-options.js';
export { METRIC_PREFIX, VigilMetrics, type MetricsOptions } from './runtime/metrics.js';
export type {
  LlmCallOptions,
  LlmFallbackValue,
  LlmMessage,
  LlmResult,
  LlmToolCall,
  LlmToolResultMessage,
  LlmUsage,
} from './core/llm-call.js';
export type {
  AgentBudget,
  AgentOptions,
  AgentResult,
  AgentState,
  AgentStopReason,
  AgentToolCall,
  AgentToolOutcome,
} from './core/agent.js';
export { ModelRegistry, type LlmOptions, type ModelChoice, type ResolvedModel } from './llm/model-registry.js';
export { PROVIDER_PRESETS, type ModelSetting, type ProviderName } from './llm/providers.js';
export {
  offlineModel,
  ScriptedModel,
  scriptedModel,
  type Script,
  type ScriptedModelOptions,
  type ScriptedReply,
  type ScriptedRequest,
} from './llm/scripted-model.js';
export type { AuditClient, AuditPage, AuditQuery } from './runtime/audit-client.js';
export type { AuditVerifyReport, VerifyAuditOptions } from './runtime/audit-verification.js';
export type { SignedHeadFile } from './runtime/audit-head-writer.js';
export type { AuditEntry, ChainDamage, SignedHead } from './core/audit-chain.js';
export { DEFAULT_REDACTED_KEYS, REDACTED } from './governance/audit-redaction.js';
