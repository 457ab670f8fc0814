import type { Clock } from '../core/clock.js';
import type { Failpoints } from '../core/failpoints.js';
import type { Logger } from '../core/logger.js';
import type { PriceTable } from '../core/pricing.js';
import type { BudgetGate } from '../governance/budget-gate.js';
import type { ModelRegistry } from '../llm/model-registry.js';
import type { Store } from '../store/store.js';
import type { SendEvent, SendResult } from './event-client.js';
import type { StepAudit } from './audit-recorder.js';
import type { RuntimeEvents } from './events.js';
import type { RunEndWaiters } from './run-end-waiters.js';
import type { RunLogSettings } from './run-logs.js';
import type { RunTracer } from './run-tracer.js';
import type { ToolFaults } from './tool-faults.js';

/** What every run execution on a worker shares. */
export interface ExecutionDeps {
  store: Store;
  clock: Clock;
  events: RuntimeEvents;
  failpoints: Failpoints;
  logger: Logger;
  leaseTtlMs: number;
  maxPayloadBytes: number;
  /** Stores and dispatches an event, as `vigil.sendEvent` does: what `ctx.sendEvent` calls. */
  sendEvent: (event: SendEvent) => Promise<SendResult>;
  /** The spend gate: reservations against budgets, and the ledger. */
  budgets: BudgetGate;
  /** LLM prices (the built-in table with `VigilOptions.pricing` over it), for `ctx.llm`. */
  prices: PriceTable;
  /** The named models `ctx.llm` calls. */
  models: ModelRegistry;
  /** Where run, step, tool and LLM spans go: the OpenTelemetry API's tracer unless configured. */
  tracer: RunTracer;
  /** How the lines run code logs are redacted, capped and stored. */
  runLogs: RunLogSettings;
  /** The chaos harness's hook around every `tool.run` (`VigilOptions.toolFaults`); none by default. */
  toolFaults?: ToolFaults;
  /** The `result()` calls of this process, told each ending this worker commits. */
  runEnds?: RunEndWaiters;
  /**
   * The audit recorder, for appending a step's outcome entry in the step's own write; absent when
   * the audit trail is off or the store appends entries only on their own (`audit.appendsWithSteps`).
   */
  auditWithStep?: StepAudit;
}
