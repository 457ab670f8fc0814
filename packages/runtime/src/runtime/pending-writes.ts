import type { StepWrite } from '../store/checkpoint-store.js';

type AfterCommit = () => void | Promise<void>;

/**
 * Step rows of one run waiting to go out with its next commit, and what to do once they are
 * durable. Journaled values and a finished step's outcome wait here so that they share a
 * transaction with the next step's "started" row (or the suspension, or the finish): one
 * commit per step instead of two, with every outcome still durable before the next body runs.
 */
export class PendingWrites {
  private steps: StepWrite[] = [];
  private callbacks: AfterCommit[] = [];

  get size(): number {
    return this.steps.length;
  }

  add(step: StepWrite, afterCommit?: AfterCommit): void {
    this.steps.push(step);
    if (afterCommit) this.callbacks.push(afterCommit);
  }

  /** Empties the buffer into one batch: its rows, and a function to call once they committed. */
  take(): { steps: StepWrite[]; committed: () => Promise<void> } {
    const steps = this.steps;
    const callbacks = this.callbacks;
    this.steps = [];
    this.callbacks = [];
    return {
      steps,
      committed: async () => {
        for (const callback of callbacks) await callback();
      },
    };
  }
}
