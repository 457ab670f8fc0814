import { WAKE_UP, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { StepLogLine } from '../store/step-log-store.js';
import type { Store } from '../store/store.js';

export interface StepLogWriterDeps {
  store: Store;
  clock: Clock;
  /** The process's own log, where a dropped batch is reported. */
  logger: Logger;
  /** Resolves once the store is migrated. */
  ready: Promise<void>;
  /** How long a line waits for others to share its batch. Default 250 ms. */
  flushMs?: number;
  /** The most lines in one append; a full batch goes at once. Default 500. */
  maxBatch?: number;
}

/**
 * Stores the lines run code logs, in batches, off the steps' path: a step only pushes its line
 * onto a queue, and one append a quarter of a second later (or once `maxBatch` lines wait)
 * stores the lines of every run on this worker. Observability never fails a run: a batch the
 * store refuses is dropped and the drop is logged with its count, once per batch; it is not
 * retried, so a store that is down does not pile up memory. At most `maxBatch` × 4 lines wait;
 * lines beyond that are counted and reported with the next drop or flush.
 */
export class StepLogWriter {
  private queue: StepLogLine[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private timer: AbortController | undefined;
  private overflow = 0;
  private closed = false;
  private readonly flushMs: number;
  private readonly maxBatch: number;

  constructor(private readonly deps: StepLogWriterDeps) {
    this.flushMs = deps.flushMs ?? 250;
    this.maxBatch = deps.maxBatch ?? 500;
  }

  add(line: StepLogLine): void {
    if (this.closed) return;
    if (this.queue.length >= this.maxBatch * 4) {
      this.overflow += 1;
      return;
    }
    this.queue.push(line);
    if (this.queue.length >= this.maxBatch) void this.flush();
    else this.schedule();
  }

  /** Stores every line added so far (a refused batch is dropped and logged, never thrown). */
  flush(): Promise<void> {
    this.timer?.abort(WAKE_UP);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.drain());
    return this.flushing;
  }

  /** Stores what is left and stops taking lines. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
  }

  private async drain(): Promise<void> {
    if (this.overflow > 0) {
      this.deps.logger.warn('step log lines dropped: too many waiting to be stored', { dropped: this.overflow });
      this.overflow = 0;
    }
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.deps.ready;
        await this.deps.store.stepLogs.append(batch);
      } catch (error) {
        this.deps.logger.warn('a batch of step log lines was dropped: the store refused it', {
          dropped: batch.length,
          runs: [...new Set(batch.map((line) => line.runId))].slice(0, 10),
          error: String(error),
        });
      }
    }
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    const timer = new AbortController();
    this.timer = timer;
    // A flush that goes first aborts the sleep, which then resolves early and does nothing.
    void this.deps.clock.sleep(this.flushMs, timer.signal).then(() => {
      if (this.timer === timer) this.timer = undefined;
      if (!timer.signal.aborted) void this.flush();
    });
  }
}
