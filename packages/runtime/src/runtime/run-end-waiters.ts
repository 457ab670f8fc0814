import type { RuntimeEvents } from './events.js';

/** The events that end a run: what `result()` waits for. */
const RUN_END_EVENTS = ['run.completed', 'run.failed', 'run.dead_lettered', 'run.cancelled'] as const;

/**
 * Wakes the `result()` calls waiting on runs that end in this process. One listener per end
 * event serves every waiter (found by run id), instead of four listeners per waiting call that
 * every run's end would pass through. Listens only while someone waits.
 */
export class RunEndWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  private unsubscribe: Array<() => void> = [];

  constructor(private readonly events: RuntimeEvents) {}

  /** Calls `wake` when run `runId` ends here; returns what stops waiting (call it in any case). */
  wait(runId: string, wake: () => void): () => void {
    if (this.waiting.size === 0) {
      this.unsubscribe = RUN_END_EVENTS.map((event) => this.events.on(event, ({ runId: id }) => this.ended(id)));
    }
    let wakes = this.waiting.get(runId);
    if (!wakes) this.waiting.set(runId, (wakes = new Set()));
    wakes.add(wake);
    return () => {
      wakes.delete(wake);
      if (wakes.size > 0 || this.waiting.get(runId) !== wakes) return;
      this.waiting.delete(runId);
      if (this.waiting.size > 0) return;
      for (const off of this.unsubscribe) off();
      this.unsubscribe = [];
    };
  }

  private ended(runId: string): void {
    const wakes = this.waiting.get(runId);
    if (wakes) for (const wake of [...wakes]) wake();
  }
}
