import type { Clock } from '../core/clock.js';

interface Timer {
  at: number;
  seq: number;
  /** Resolves the sleep and drops its abort listener. */
  fire: () => void;
}

/**
 * A clock that moves only when told to. `sleep` resolves when `advance` passes its deadline, in
 * deadline order, letting the code woken by each timer run before the next fires.
 */
export class FakeClock implements Clock {
  private current: number;
  private timers: Timer[] = [];
  private nextSeq = 0;

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer);
        resolve();
      };
      const timer: Timer = {
        at: this.current + Math.max(0, ms),
        seq: this.nextSeq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of sleeps waiting for time to pass. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in order and letting their effects settle. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.fire();
    }
    this.current = target;
    await settle();
  }

  /** Sets the time; timers now due fire as in `advance`. */
  async set(time: number | Date): Promise<void> {
    const target = typeof time === 'number' ? time : time.getTime();
    await this.advance(Math.max(0, target - this.current));
  }
}

/** Lets pending promise callbacks and `setImmediate` work (group commits, step checks) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
