import type { ErrorRecord } from '../core/errors.js';
import type { RunStatus } from '../core/run-status.js';
import type { StepKind, StepStatus } from '../core/step-identity.js';

/**
 * Everything the engine reports, by name. The audit trail, the dashboard stream, metrics and
 * tests all subscribe here rather than reaching into the engine.
 */
export interface RuntimeEventMap {
  /** A trigger committed a new run (not emitted when an idempotency key matched an existing run). */
  'run.created': {
    runId: string;
    workflow: string;
    version: number;
    idempotencyKey: string | null;
    /** Who triggered it (see `Principal` in governance): `key:<id>`, `schedule:<id>`, `event:<id>`, `code`… */
    principal?: string | null;
  };
  /** A worker leased a run and is about to execute it. `attempt` counts claims. */
  'run.claimed': { runId: string; workerId: string; attempt: number; epoch: number };
  /**
   * A run gave up its lease until `wakeAt` (a sleep, a retry backoff, a hand-back when `status`
   * is `queued`; null while it waits for a human).
   */
  'run.suspended': { runId: string; status: RunStatus; wakeAt: number | null };
  /**
   * `completed_partial` carries the summary of what is missing. The run events' `durationMs`
   * is from the run's creation to its end, waits included.
   */
  'run.completed': {
    runId: string;
    workflow: string;
    status: 'completed' | 'completed_partial';
    summary: string | null;
    durationMs: number;
  };
  /** Ended for good: a human aborted it, or its input could not be used. */
  'run.failed': { runId: string; workflow: string; error: ErrorRecord; durationMs: number };
  /** Failed permanently and parked for an operator to replay. */
  'run.dead_lettered': {
    runId: string;
    workflow: string;
    deadLetterId: string;
    error: ErrorRecord;
    durationMs: number;
  };
  'run.cancelled': { runId: string; workflow: string; durationMs: number; principal?: string | null };
  /**
   * An operator replayed run `replayOf` as the new run `runId` (emitted after its `run.created`);
   * `fromSeq` is the step it re-executes from, null from the top.
   */
  'run.replayed': {
    runId: string;
    replayOf: string;
    workflow: string;
    fromSeq: number | null;
    principal?: string | null;
  };
  /**
   * A stored checkpoint failed its checksum and was not used (G6). `seq` is 0 for the run's
   * input; `step` and `kind` are what the workflow code asked for there. `action`: `rerun` (the
   * step declares no at-most-once effect: it runs again and its new row replaces the bad one),
   * `escalated` (a blocking `checkpoint_corrupted` escalation, `escalationId`), or
   * `dead_lettered` (a corrupted input, or an operator who would not retry nor provide a value).
   */
  'checkpoint.corrupted': {
    runId: string;
    workflow: string;
    seq: number;
    step: string | null;
    kind: string | null;
    action: 'rerun' | 'escalated' | 'dead_lettered';
    escalationId: string | null;
    /** What was found, in a sentence; never the damaged value itself. */
    found: string;
  };
  /** A step's "started" record committed; its body runs next. */
  'step.started': { runId: string; seq: number; name: string; attempt: number };
  /**
   * `status` is `degraded` when it finished on its fallback, `escalated` when a human was asked.
   * The step events name the run's `workflow`, the step's `kind`, and for a tool call the `tool`
   * (the step's name may be another).
   */
  'step.completed': StepEventBase & { status: StepStatus; durationMs: number };
  /** `durationMs`: from the first attempt's start to the failure, retries included. */
  'step.failed': StepEventBase & { error: ErrorRecord; durationMs: number };
  /** An attempt failed; the next one starts after `delayMs`, from a durable timer. */
  'step.retrying': StepEventBase & { error: ErrorRecord; delayMs: number };
  'escalation.opened': {
    escalationId: string;
    runId: string;
    seq: number;
    step: string;
    kind: string;
    assignee: string | null;
    blocking: boolean;
  };
  /** `resolvedBy` is who decided; `principal` who made the call (they differ when someone acts for another). */
  'escalation.resolved': {
    escalationId: string;
    runId: string;
    decision: string;
    resolvedBy: string | null;
    principal?: string | null;
  };
  'breaker.opened': { key: string; tool: string; openUntil: number; error: string | null };
  'breaker.closed': { key: string; tool: string };
  /** An operator closed a breaker by hand. */
  'breaker.reset': { key: string; tool: string; principal?: string | null };
  /** A dead-lettered run was queued again (in place, or as a new run with edited input). */
  'dead_letter.replayed': { deadLetterId: string; runId: string; replayRunId: string; principal?: string | null };
  /** An operator added, paused, resumed, removed or triggered a schedule. */
  'schedule.changed': {
    scheduleId: string;
    action: 'added' | 'paused' | 'resumed' | 'removed' | 'triggered';
    principal?: string | null;
  };
  /** An API key was created or revoked. Never carries the key itself. */
  'key.created': { keyId: string; name: string; role: string; expiresAt: number | null; principal?: string | null };
  'key.revoked': { keyId: string; principal?: string | null };
  /**
   * The tool access policy decided on one tool call, before it could reach the tool. Emitted
   * for every tool call, with or without a policy (\`rule\` null, \`decision\` allowed). \`args\` are
   * the arguments as checked against the tool's schema; the audit trail redacts them.
   */
  'policy.decided': {
    runId: string;
    seq: number;
    step: string;
    tool: string;
    decision: 'allowed' | 'denied' | 'approval_requested' | 'approved' | 'rejected' | 'rate_limited';
    /** The rule that decided, e.g. \`constraints.ehr.read.patientId\`; null when no rule applied. */
    rule: string | null;
    reason: string | null;
    args: unknown;
    principal?: string | null;
    /** A call an agent's model chose: the reason it gave for choosing it. */
    reasoning?: string;
  };
  /** A call's cost was settled in the spend ledger. */
  'spend.recorded': {
    runId: string;
    workflow: string;
    seq: number;
    step: string;
    kind: 'tool' | 'llm';
    /** The tool's name or the model's. */
    target: string;
    usd: number;
    tokens?: { input: number; output: number; cached: number; reasoning: number };
    /** LLM calls: the model's stated reasoning for its decision, for the audit trail. */
    reasoning?: string;
    /** LLM calls: how long the provider took, in milliseconds. */
    latencyMs?: number;
  };
  /**
   * Text a running LLM step produced so far (one chunk per event), for subscribers of
   * \`GET /v1/runs/:id/stream\`. Not durable: the step's result is checkpointed as usual.
   */
  'llm.token': { runId: string; seq: number; step: string; text: string };
  /** Spend crossed a soft limit (once per scope key and period). */
  'budget.soft_limit': { scope: string; key: string; limitUsd: number; spentUsd: number; runId: string | null };
  /** A reservation was refused by a hard limit: the call did not happen. */
  'budget.exceeded': {
    scope: string;
    key: string;
    limitUsd: number;
    spentUsd: number;
    requestedUsd: number;
    runId: string;
    seq: number;
    step: string;
  };
  /** An operator set a budget limit (e.g. raised a run's budget so it may go on). */
  'budget.changed': { scope: string; key: string; usd: number | null; principal?: string | null };
  /**
   * A schedule's slot started its run (`created: false` when the slot's key found the run that
   * another scheduler, or an earlier attempt of this one, had started).
   */
  'schedule.fired': { scheduleId: string; workflow: string; slot: number; runId: string; created: boolean };
  /** A due slot started nothing: too late for the catch-up policy, or the previous run was still going. */
  'schedule.skipped': { scheduleId: string; slot: number; reason: 'late' | 'overlap' };
  /**
   * An alert rule's condition started to hold (`alert.fired`) or stopped (`alert.resolved`).
   * Emitted once per transition across all processes: by the one whose store write made it.
   */
  'alert.fired': AlertEventPayload;
  'alert.resolved': AlertEventPayload;
  /** A worker found it no longer holds a run's lease and stopped executing it. */
  'lease.lost': { runId: string; workerId: string };
  /** Something went wrong that the engine recovered from (a failed poll, a failed write). */
  'worker.error': { workerId: string; error: ErrorRecord };
}

/** What `alert.fired` and `alert.resolved` carry. `since` (epoch ms) is when it started firing. */
export interface AlertEventPayload {
  alertId: string;
  kind: string;
  /** The rule, for people: `success rate of patient.discharge below 90% over 1 h`. */
  rule: string;
  value: number;
  threshold: number;
  message: string;
  since: number;
}

/** What `step.completed`, `step.failed` and `step.retrying` share. */
export interface StepEventBase {
  runId: string;
  workflow: string;
  seq: number;
  name: string;
  kind: StepKind;
  /** Tool calls: the tool's name. */
  tool?: string;
  attempt: number;
}

export type RuntimeEventName = keyof RuntimeEventMap;
type Listener<T> = (payload: T) => void;

/**
 * A small typed event emitter. A listener that throws does not stop the others or the engine;
 * its error goes to `onListenerError` (by default the console), never nowhere.
 */
export class RuntimeEvents {
  private readonly listeners = new Map<RuntimeEventName, Set<Listener<never>>>();

  constructor(
    private readonly onListenerError: (error: unknown, event: RuntimeEventName) => void = (error, event) =>
      console.error(`vigil: a listener for ${event} threw`, error),
  ) {}

  /** Subscribes; returns a function that unsubscribes. */
  on<K extends RuntimeEventName>(event: K, listener: Listener<RuntimeEventMap[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends RuntimeEventName>(event: K, payload: RuntimeEventMap[K]): void {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return;
    for (const listener of set) {
      try {
        (listener as Listener<RuntimeEventMap[K]>)(payload);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }
}
