import type { ErrorRecord } from '../core/errors.js';
import type { RunStatus } from '../core/run-status.js';
import type { StepStatus } from '../core/step-identity.js';

/**
 * Everything the engine reports, by name. The audit trail, the dashboard stream, metrics and
 * tests all subscribe here rather than reaching into the engine.
 */
export interface RuntimeEventMap {
  /** A trigger committed a new run (not emitted when an idempotency key matched an existing run). */
  'run.created': { runId: string; workflow: string; version: number; idempotencyKey: string | null };
  /** A worker leased a run and is about to execute it. `attempt` counts claims. */
  'run.claimed': { runId: string; workerId: string; attempt: number; epoch: number };
  /**
   * A run gave up its lease until `wakeAt` (a sleep, a retry backoff, a hand-back when `status`
   * is `queued`; null while it waits for a human).
   */
  'run.suspended': { runId: string; status: RunStatus; wakeAt: number | null };
  /** `completed_partial` carries the summary of what is missing. */
  'run.completed': {
    runId: string;
    workflow: string;
    status: 'completed' | 'completed_partial';
    summary: string | null;
  };
  /** Ended for good: a human aborted it, or its input could not be used. */
  'run.failed': { runId: string; workflow: string; error: ErrorRecord };
  /** Failed permanently and parked for an operator to replay. */
  'run.dead_lettered': { runId: string; workflow: string; deadLetterId: string; error: ErrorRecord };
  'run.cancelled': { runId: string };
  /** A step's "started" record committed; its body runs next. */
  'step.started': { runId: string; seq: number; name: string; attempt: number };
  /** `status` is `degraded` when it finished on its fallback, `escalated` when a human was asked. */
  'step.completed': {
    runId: string;
    seq: number;
    name: string;
    attempt: number;
    status: StepStatus;
    durationMs: number;
  };
  'step.failed': { runId: string; seq: number; name: string; attempt: number; error: ErrorRecord };
  /** An attempt failed; the next one starts after `delayMs`, from a durable timer. */
  'step.retrying': { runId: string; seq: number; name: string; attempt: number; error: ErrorRecord; delayMs: number };
  'escalation.opened': {
    escalationId: string;
    runId: string;
    seq: number;
    step: string;
    kind: string;
    assignee: string | null;
    blocking: boolean;
  };
  'escalation.resolved': { escalationId: string; runId: string; decision: string; resolvedBy: string | null };
  'breaker.opened': { key: string; tool: string; openUntil: number; error: string | null };
  'breaker.closed': { key: string; tool: string };
  /** A dead-lettered run was queued again (in place, or as a new run with edited input). */
  'dead_letter.replayed': { deadLetterId: string; runId: string; replayRunId: string };
  /**
   * A schedule's slot started its run (`created: false` when the slot's key found the run that
   * another scheduler, or an earlier attempt of this one, had started).
   */
  'schedule.fired': { scheduleId: string; workflow: string; slot: number; runId: string; created: boolean };
  /** A due slot started nothing: too late for the catch-up policy, or the previous run was still going. */
  'schedule.skipped': { scheduleId: string; slot: number; reason: 'late' | 'overlap' };
  /** A worker found it no longer holds a run's lease and stopped executing it. */
  'lease.lost': { runId: string; workerId: string };
  /** Something went wrong that the engine recovered from (a failed poll, a failed write). */
  'worker.error': { workerId: string; error: ErrorRecord };
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
