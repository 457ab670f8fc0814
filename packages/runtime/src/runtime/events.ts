import type { ErrorRecord } from '../core/errors.js';
import type { RunStatus } from '../core/run-status.js';

/**
 * Everything the engine reports, by name. The audit trail, the dashboard stream, metrics and
 * tests all subscribe here rather than reaching into the engine.
 */
export interface RuntimeEventMap {
  /** A trigger committed a new run (not emitted when an idempotency key matched an existing run). */
  'run.created': { runId: string; workflow: string; version: number; idempotencyKey: string | null };
  /** A worker leased a run and is about to execute it. `attempt` counts claims. */
  'run.claimed': { runId: string; workerId: string; attempt: number; epoch: number };
  /** A run gave up its lease until `wakeAt` (a sleep, or a hand-back when `status` is `queued`). */
  'run.suspended': { runId: string; status: RunStatus; wakeAt: number };
  'run.completed': { runId: string; workflow: string };
  'run.failed': { runId: string; workflow: string; error: ErrorRecord };
  'run.cancelled': { runId: string };
  /** A step's "started" record committed; its body runs next. */
  'step.started': { runId: string; seq: number; name: string; attempt: number };
  'step.completed': { runId: string; seq: number; name: string; attempt: number; durationMs: number };
  'step.failed': { runId: string; seq: number; name: string; attempt: number; error: ErrorRecord };
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
