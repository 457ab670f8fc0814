import type { FinishOutcome } from '../store/queue-store.js';
import { toRunOutcome } from '../store/run-rows.js';
import type { RunOutcome } from '../store/run-store.js';
import type { RuntimeEvents } from './events.js';

/** The events that end a run: what `result()` waits for. */
const RUN_END_EVENTS = ['run.completed', 'run.failed', 'run.dead_lettered', 'run.cancelled'] as const;

/**
 * What wakes a waiting `result()`: the run's committed ending when this process's worker ended
 * it (as a read of the store would return it), or null when it only learned that the run ended
 * (a cancel in this process), so the waiter reads the store.
 */
export type RunEndWake = (ending: RunOutcome | null) => void;

/**
 * Wakes the `result()` calls waiting on runs that end in this process. One listener per end
 * event serves every waiter (found by run id), instead of four listeners per waiting call that
 * every run's end would pass through. Listens only while someone waits.
 *
 * A run this process's worker ends is reported with its ending (`endedHere`) after the ending is
 * committed and before it is announced, so its waiters answer without reading it back; the
 * announcement that follows finds them already woken.
 */
export class RunEndWaiters {
  private readonly waiting = new Map<string, Set<RunEndWake>>();
  private unsubscribe: Array<() => void> = [];

  constructor(private readonly events: RuntimeEvents) {}

  /** Calls `wake` when run `runId` ends here; returns what stops waiting (call it in any case). */
  wait(runId: string, wake: RunEndWake): () => void {
    if (this.waiting.size === 0) {
      this.unsubscribe = RUN_END_EVENTS.map((event) => this.events.on(event, ({ runId: id }) => this.wake(id, null)));
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

  /** Run `runId` was ended by this process's worker with `outcome`, now committed. */
  endedHere(runId: string, outcome: FinishOutcome): void {
    if (!this.waiting.has(runId)) return;
    // Built as the stores build what they read back (the error through its stored JSON), so the
    // waiter answers exactly as a read would.
    this.wake(
      runId,
      toRunOutcome({
        status: outcome.status,
        output: 'output' in outcome ? outcome.output : null,
        error: 'error' in outcome ? JSON.stringify(outcome.error) : null,
      }),
    );
  }

  private wake(runId: string, ending: RunOutcome | null): void {
    const wakes = this.waiting.get(runId);
    if (wakes) for (const wake of [...wakes]) wake(ending);
  }
}
