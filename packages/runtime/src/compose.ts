/**
 * The composition root: the one module that sees every layer and wires them together.
 */
import { validateBudgetSettings } from './core/budget.js';
import { InvalidArgumentError } from './core/errors.js';
import { noFailpoints, type Failpoints } from './core/failpoints.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from './core/json.js';
import { silentLogger, type Logger } from './core/logger.js';
import { resolvePriceTable, type PriceTable } from './core/pricing.js';
import type { AnyWorkflow, WorkflowInput } from './core/workflow.js';
import { redactionRules } from './governance/audit-redaction.js';
import { BudgetGate } from './governance/budget-gate.js';
import { ModelRegistry } from './llm/model-registry.js';
import { AlertEvaluator } from './runtime/alert-evaluator.js';
import { resolveAlertSettings } from './runtime/alert-options.js';
import { AuditClient } from './runtime/audit-client.js';
import { AuditHeadWriter } from './runtime/audit-head-writer.js';
import { resolveAuditSettings, type AuditOptions } from './runtime/audit-options.js';
import { AuditRecorder } from './runtime/audit-recorder.js';
import { BreakerClient } from './runtime/breaker-client.js';
import { BudgetClient } from './runtime/budget-client.js';
import {
  VigilClient,
  type ListRunsOptions,
  type ResultOptions,
  type RunList,
  type StartOptions,
  type StartResult,
} from './runtime/client.js';
import { DeadLetterClient } from './runtime/dead-letter-client.js';
import { EscalationClient } from './runtime/escalation-client.js';
import { EscalationNotifier, type NotifierOptions } from './runtime/escalation-notifier.js';
import { notifierOptionsFromEnv, resolveIdempotencyRetention } from './runtime/env-options.js';
import { EventClient, type SendEvent, type SendResult } from './runtime/event-client.js';
import { EventDispatcher } from './runtime/event-dispatch.js';
import { EventSweeper } from './runtime/event-sweeper.js';
import { RuntimeEvents } from './runtime/events.js';
import { KeyClient } from './runtime/key-client.js';
import { VigilMetrics } from './runtime/metrics.js';
import { ScheduleClient } from './runtime/schedule-client.js';
import { Scheduler, type SchedulerOptions } from './runtime/scheduler.js';
import { Executor } from './runtime/executor.js';
import { RunObservability } from './runtime/observability.js';
import { RunLogClient } from './runtime/run-log-client.js';
import type { RunDetails, RunSummary } from './runtime/run-view.js';
import { StepDurationHistory } from './runtime/step-durations.js';
import { ToolRegistry } from './runtime/tool-registry.js';
import type { ToolFaults } from './runtime/tool-faults.js';
import { WORKER_DEFAULTS, Worker, type WorkerOptions } from './runtime/worker.js';
import { WorkflowRegistry } from './runtime/workflow-registry.js';
import { DEFAULT_DATABASE, openStore } from './store/open-store.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';

export type { VigilOptions } from './compose-options.js';
import type { VigilOptions } from './compose-options.js';

/**
 * A Vigil instance: a store, the registered workflows, and optionally a worker. Two instances
 * in one process are independent (tests run several workers this way).
 */
export class Vigil {
  readonly store: Store;
  readonly events: RuntimeEvents;
  readonly registry: WorkflowRegistry;
  readonly tools: ToolRegistry;
  readonly logger: Logger;
  /** The client methods without the wait for migrations; for servers that awaited `ready()`. */
  readonly client: VigilClient;
  /** The escalation inbox (after `ready()`). */
  readonly escalations: EscalationClient;
  /** The dead-letter queue and replay (after `ready()`). */
  readonly deadLetters: DeadLetterClient;
  /** The shared circuit breakers (after `ready()`). */
  readonly breakers: BreakerClient;
  /** Received events: send, list, show (after `ready()`); `sendEvent` waits for it. */
  readonly eventClient: EventClient;
  /** Cron schedules: add, list, pause, resume, remove, trigger (after `ready()`). */
  readonly schedules: ScheduleClient;
  /** API keys: create, list, revoke, authenticate (after `ready()`). */
  readonly keys: KeyClient;
  /** Spend totals and budget limits (after `ready()`). */
  readonly budgets: BudgetClient;
  /** The LLM price table in force: the built-in one with `pricing` over it. */
  readonly prices: PriceTable;
  /** The named models `ctx.llm` calls. */
  readonly models: ModelRegistry;
  /** This instance's Prometheus metrics, in a registry of its own. */
  readonly metrics: VigilMetrics;
  private readonly budgetGate: BudgetGate;
  /** The audit trail: list, verify, and `flush()` what this instance recorded (after `ready()`). */
  readonly audit: AuditClient;
  private readonly auditRecorder: AuditRecorder | undefined;
  /** The alert rules of this instance: evaluation, and where every rule stands (after `ready()`). */
  readonly alerts: AlertEvaluator;
  private readonly auditHead: AuditHeadWriter | undefined;
  private readonly dispatcher: EventDispatcher;
  private sweeper: EventSweeper | undefined;
  private scheduler: Scheduler | undefined;
  private readonly schedulerOptions: SchedulerOptions | false;
  private readonly failpoints: Failpoints;
  private readonly toolFaults: ToolFaults | undefined;
  private readonly maxPayloadBytes: number;
  private readonly migrated: Promise<void>;
  private workerInstance: Worker | undefined;
  private notifier: EscalationNotifier | undefined;
  private readonly notifierOptions: NotifierOptions | false;
  private closing: Promise<void> | undefined;
  private readonly observability: RunObservability;
  /** The lines runs logged, for `GET /v1/runs/:id/logs`. */
  readonly runLogs: RunLogClient;

  constructor(options: VigilOptions = {}) {
    // Checked before anything is opened: a bad rule leaves nothing to close.
    const alertSettings = resolveAlertSettings(options.alerts);
    const database = options.database ?? process.env['VIGIL_DATABASE_URL'] ?? DEFAULT_DATABASE;
    this.logger = options.logger ?? silentLogger;
    this.store =
      typeof database === 'string'
        ? openStore(database, {
            logger: this.logger,
            ...(options.clock ? { clock: options.clock } : {}),
            ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
          })
        : database;
    this.events = new RuntimeEvents((error, event) =>
      this.logger.error(`a listener for ${event} threw`, { error: String(error) }),
    );
    // Subscribed before anything can emit, so the counters miss nothing of this instance.
    this.metrics = new VigilMetrics({ store: this.store, events: this.events, logger: this.logger }, options.metrics);
    this.registry = new WorkflowRegistry(options.workflows ?? []);
    this.tools = new ToolRegistry(options.tools ?? []);
    this.failpoints = options.failpoints ?? noFailpoints;
    this.toolFaults = options.toolFaults;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (!Number.isSafeInteger(this.maxPayloadBytes) || this.maxPayloadBytes < 1) {
      throw new InvalidArgumentError(`maxPayloadBytes must be a positive integer; got ${options.maxPayloadBytes}`);
    }
    const idempotencyRetentionMs = resolveIdempotencyRetention(options.idempotencyRetention);
    this.prices = resolvePriceTable(options.pricing);
    this.models = new ModelRegistry(options.llm);
    const budgetSettings = validateBudgetSettings(options.budgets);
    this.budgetGate = new BudgetGate(this.store.spend, budgetSettings);
    this.client = new VigilClient({
      store: this.store,
      registry: this.registry,
      events: this.events,
      clock: this.store.clock,
      maxPayloadBytes: this.maxPayloadBytes,
      idempotencyRetentionMs,
      localWorker: () => this.workerInstance,
      auditWithWrite: () => (this.store.audit.appendsWithSteps ? this.auditRecorder : undefined),
      failpoints: this.failpoints,
      durations: new StepDurationHistory({ signals: this.store.signals, clock: this.store.clock }),
    });
    const operator = { store: this.store, clock: this.store.clock, events: this.events };
    this.migrated = this.store.migrate();
    // Surfaces through ready() and every call; this only keeps it from being reported as unhandled.
    this.migrated.catch(() => undefined);
    this.escalations = new EscalationClient({ ...operator, maxPayloadBytes: this.maxPayloadBytes });
    this.deadLetters = new DeadLetterClient({ ...operator, runs: this.client });
    this.breakers = new BreakerClient(operator);
    this.budgets = new BudgetClient({ ...operator, registry: this.registry, settings: budgetSettings });
    this.dispatcher = new EventDispatcher({
      store: this.store,
      registry: this.registry,
      runs: this.client,
      logger: this.logger,
    });
    this.eventClient = new EventClient({
      store: this.store,
      clock: this.store.clock,
      logger: this.logger,
      dispatcher: this.dispatcher,
      maxPayloadBytes: this.maxPayloadBytes,
      dedupeRetentionMs: idempotencyRetentionMs,
    });
    this.schedules = new ScheduleClient({
      store: this.store,
      registry: this.registry,
      clock: this.store.clock,
      runs: this.client,
      events: this.events,
      maxPayloadBytes: this.maxPayloadBytes,
    });
    this.keys = new KeyClient(operator);
    this.observability = new RunObservability(
      {
        store: this.store,
        clock: this.store.clock,
        logger: this.logger,
        ready: this.migrated,
        // Logs hide what the audit trail hides, by the same rules.
        rules: redactionRules(options.audit || {}),
      },
      { tracing: options.tracing, stepLogs: options.stepLogs },
    );
    this.runLogs = new RunLogClient({ store: this.store, flush: () => this.observability.flushLogs() });
    [this.auditRecorder, this.auditHead] = this.startAudit(options.audit ?? {});
    this.audit = new AuditClient({
      store: this.store,
      recorder: this.auditRecorder,
      headFile: this.auditHead?.file ?? null,
      signingKey: this.auditHead?.signingKey ?? null,
    });
    this.alerts = new AlertEvaluator(
      { store: this.store, clock: this.store.clock, logger: this.logger, events: this.events, ready: this.migrated },
      alertSettings,
    );
    this.alerts.start();
    const notifierOptions = options.notifications ?? notifierOptionsFromEnv();
    this.notifierOptions =
      notifierOptions === false ? false : { alertWebhook: alertSettings.webhook, ...notifierOptions };
    this.schedulerOptions = options.scheduler ?? {};
    if (options.worker) this.startWorker(options.worker === true ? {} : options.worker);
  }

  private startAudit(options: AuditOptions | false): [AuditRecorder | undefined, AuditHeadWriter | undefined] {
    if (options === false) return [undefined, undefined];
    const settings = resolveAuditSettings(options, this.store instanceof SqliteStore ? this.store.file : null);
    const common = { store: this.store, clock: this.store.clock, logger: this.logger, ready: this.migrated };
    const recorder = new AuditRecorder({
      ...common,
      events: this.events,
      rules: settings.rules,
      flushMs: settings.flushMs,
      maxBatch: settings.maxBatch,
    });
    if (settings.signingKey === null) return [recorder, undefined];
    const head = new AuditHeadWriter({
      ...common,
      signingKey: settings.signingKey,
      file: settings.headFile,
      intervalMs: settings.headIntervalMs,
    });
    head.start();
    return [recorder, head];
  }

  /** Resolves once the store is migrated and usable. */
  ready(): Promise<void> {
    return this.migrated;
  }

  /** The worker started in this process, if any. */
  get worker(): Worker | undefined {
    return this.workerInstance;
  }

  /** Starts a worker in this process that executes the registered workflows. */
  startWorker(options: WorkerOptions = {}): Worker {
    if (this.workerInstance) throw new InvalidArgumentError('A worker is already running in this Vigil instance');
    const leaseTtlMs = options.leaseTtlMs ?? WORKER_DEFAULTS.leaseTtlMs;
    const recorder = this.auditRecorder;
    const executor = new Executor(
      {
        store: this.store,
        clock: this.store.clock,
        events: this.events,
        failpoints: this.failpoints,
        logger: this.logger,
        leaseTtlMs,
        maxPayloadBytes: this.maxPayloadBytes,
        sendEvent: (event) => this.eventClient.send(event),
        budgets: this.budgetGate,
        prices: this.prices,
        models: this.models,
        tracer: this.observability.tracer,
        runLogs: this.observability.runLogs,
        ...(this.toolFaults ? { toolFaults: this.toolFaults } : {}),
        runEnds: this.client.runEnds,
        ...(recorder && this.store.audit.appendsWithSteps ? { auditWithStep: recorder } : {}),
      },
      this.registry,
    );
    const worker = new Worker(
      {
        store: this.store,
        executor,
        events: this.events,
        failpoints: this.failpoints,
        logger: this.logger,
        workflows: this.registry.keys(),
      },
      options,
    );
    this.workerInstance = worker;
    if (this.notifierOptions !== false) {
      this.notifier = new EscalationNotifier(
        { store: this.store, clock: this.store.clock, logger: this.logger, events: this.events },
        this.notifierOptions,
      );
    }
    this.sweeper = new EventSweeper({ dispatcher: this.dispatcher, clock: this.store.clock, logger: this.logger });
    if (this.schedulerOptions !== false) {
      this.scheduler = new Scheduler(
        {
          store: this.store,
          registry: this.registry,
          runs: this.client,
          events: this.events,
          logger: this.logger,
          failpoints: this.failpoints,
          clock: this.store.clock,
          owner: worker.id,
          maxPayloadBytes: this.maxPayloadBytes,
        },
        this.schedulerOptions,
      );
    }
    // The tracing SDK first, so the first runs' spans are not lost to a tracer not yet registered.
    // Without one, the worker starts in the same turn as before, ahead of runs started meanwhile.
    const tracingReady = this.observability.ready;
    const ready = tracingReady ? Promise.all([this.migrated, tracingReady]) : this.migrated;
    void ready.then(
      () => {
        worker.start();
        this.observability.startPruning();
        this.notifier?.start();
        this.sweeper?.start();
        this.scheduler?.start();
      },
      (error: unknown) =>
        this.logger.error('the store could not be migrated; the worker did not start', { error: String(error) }),
    );
    return worker;
  }

  /** Starts a run; see {@link VigilClient.start}. */
  start<W extends AnyWorkflow>(workflow: W, input: WorkflowInput<W>, options?: StartOptions): Promise<StartResult>;
  start(workflow: string, input: unknown, options?: StartOptions): Promise<StartResult>;
  async start(workflow: AnyWorkflow | string, input: unknown, options?: StartOptions): Promise<StartResult> {
    await this.migrated;
    return this.client.start(workflow, input, options);
  }

  async getRun(id: string): Promise<RunDetails | null> {
    await this.migrated;
    return this.client.getRun(id);
  }

  async listRuns(options?: ListRunsOptions): Promise<RunList> {
    await this.migrated;
    return this.client.listRuns(options);
  }

  async cancel(id: string, options?: { principal?: string | null }): Promise<RunSummary> {
    await this.migrated;
    return this.client.cancel(id, options);
  }

  /**
   * Receives an event: starts the workflows triggered on it and wakes runs waiting for it; see
   * {@link EventClient.send}.
   */
  async sendEvent(
    name: string,
    payload?: unknown,
    options: Omit<SendEvent, 'name' | 'payload'> = {},
  ): Promise<SendResult> {
    await this.migrated;
    return this.eventClient.send({ name, payload, ...options });
  }

  /** Waits for the run to finish and returns its output; see {@link VigilClient.result}. */
  async result<T = unknown>(id: string, options?: ResultOptions): Promise<T> {
    await this.migrated;
    return this.client.result<T>(id, options);
  }

  /** Stops the scheduler, the worker (draining within its grace period, or `graceMs`) and closes the store. */
  close(options: { graceMs?: number } = {}): Promise<void> {
    this.closing ??= (async () => {
      // The scheduler first: the runs its last pass starts go to a worker that still takes them.
      await this.scheduler?.close();
      await this.workerInstance?.stop(options.graceMs);
      await this.notifier?.close();
      await this.sweeper?.close();
      await this.alerts.close();
      // After everything that emits: the last entries are appended, then the head that covers them.
      await this.auditRecorder?.close();
      await this.auditHead?.close();
      await this.observability.close();
      this.metrics.close();
      await this.store.close();
    })();
    return this.closing;
  }
}

/**
 * Creates a Vigil instance.
 *
 * @example
 * const vigil = createVigil({ database: '.vigil/vigil.db', workflows: [discharge], worker: true });
 * const { id } = await vigil.start(discharge, { patientId: 'P-1' }, { idempotencyKey: 'order-77' });
 * console.log(await vigil.result(id));
 */
export function createVigil(options: VigilOptions = {}): Vigil {
  return new Vigil(options);
}
