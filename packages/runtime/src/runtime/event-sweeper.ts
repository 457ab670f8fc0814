import { WAKE_UP, type Clock } from '../core/clock.js';
import { toErrorRecord } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { EventDispatcher } from './event-dispatch.js';

/**
 * Dispatches events whose receiving process died before it could (the event is durable first,
 * dispatched second). Runs beside each worker; dispatching twice is harmless.
 */
export class EventSweeper {
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly deps: { dispatcher: EventDispatcher; clock: Clock; logger: Logger },
    private readonly pollMs = 5_000,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.stop.abort(WAKE_UP);
    await this.loop;
  }

  private async run(): Promise<void> {
    const { dispatcher, clock, logger } = this.deps;
    while (!this.stop.signal.aborted) {
      try {
        // A full page means more may be waiting: go again at once.
        if ((await dispatcher.sweep(() => clock.now())) === 100) continue;
      } catch (error) {
        logger.warn('could not dispatch stored events', { error: toErrorRecord(error).message });
      }
      await clock.sleep(this.pollMs, this.stop.signal);
    }
  }
}
