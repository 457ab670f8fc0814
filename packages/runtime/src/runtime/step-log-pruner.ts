import { WAKE_UP, type Clock } from '../core/clock.js';
import { toErrorRecord } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';

/** How long step log lines are kept by default: 30 days. */
export const DEFAULT_STEP_LOG_RETENTION_MS = 30 * 24 * 60 * 60_000;
/** How often each process prunes: hourly. Lines live at most this much past their retention. */
export const STEP_LOG_PRUNE_INTERVAL_MS = 60 * 60_000;
/** Lines deleted per statement: a prune of a large backlog never holds the database for long. */
const PRUNE_BATCH = 1000;

export interface StepLogPrunerDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Pruning waits for it: the store's migrations. */
  ready: Promise<void>;
}

/**
 * Deletes step log lines older than the retention (`stepLogs.retention`), at start and then
 * every `intervalMs`, in every process: deleting the same old lines twice is harmless, so no
 * process needs to be the one. The lines only: runs, steps and the audit trail are kept. A
 * prune that fails is logged and tried again at the next interval; it never touches a run.
 */
export class StepLogPruner {
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly deps: StepLogPrunerDeps,
    private readonly settings: { retentionMs: number; intervalMs: number },
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.stop.abort(WAKE_UP);
    await this.loop;
  }

  /** Deletes every line logged more than the retention ago, a batch at a time; returns how many. */
  async prune(): Promise<number> {
    const before = this.deps.clock.now() - this.settings.retentionMs;
    let deleted = 0;
    for (;;) {
      const batch = await this.deps.store.stepLogs.prune(before, PRUNE_BATCH);
      deleted += batch;
      if (batch < PRUNE_BATCH || this.stop.signal.aborted) break;
    }
    if (deleted > 0) {
      this.deps.logger.info('pruned step log lines past their retention', {
        deleted,
        before: new Date(before).toISOString(),
      });
    }
    return deleted;
  }

  private async run(): Promise<void> {
    try {
      await this.deps.ready;
    } catch {
      return; // Reported by whoever awaits ready(); there is nothing to prune.
    }
    while (!this.stop.signal.aborted) {
      try {
        await this.prune();
      } catch (error) {
        this.deps.logger.warn('could not prune the step logs', { error: toErrorRecord(error).message });
      }
      await this.deps.clock.sleep(this.settings.intervalMs, this.stop.signal);
    }
  }
}
