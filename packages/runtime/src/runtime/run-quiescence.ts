import type { Suspension } from '../store/timer-store.js';
import { earliestWake } from './recorded-steps.js';

type Wait = { wakeAt: number | null; status: Suspension['status'] };

/**
 * What a run execution is doing besides running code: steps in flight, and the sleeps, retry
 * backoffs and escalations it waits on. After whatever just settled (a turn later, once the
 * workflow has had its chance to start its next step) it tells the execution when nothing is in
 * flight, and what to suspend on, if anything.
 */
export class RunQuiescence {
  private inFlight = 0;
  private readonly waits: Wait[] = [];
  /** A new step was asked for while draining: hand the run back once in-flight steps commit. */
  private parked = false;
  private checkScheduled = false;
  private idleWaiters: Array<() => void> = [];

  /**
   * @param idle Called when nothing is in flight, with the suspension due: `queued` now when a
   *   step is parked (or the run drains with nothing to wait on), the earliest wait otherwise,
   *   and null when the run has neither (it is still running code, or about to end).
   */
  constructor(
    private readonly idle: (due: 'queued' | Suspension | null) => void,
    private readonly draining: () => boolean,
  ) {}

  /** A step's new work starts; `ended` when it settles. */
  started(): void {
    this.inFlight++;
  }

  ended(): void {
    this.inFlight--;
    this.check();
  }

  /** The workflow waits on `wait` (its row is queued or recorded). */
  waitOn(wait: Wait): void {
    this.waits.push(wait);
    this.check();
  }

  /** A step asked to start while the run drains: it never starts here. */
  park(): void {
    this.parked = true;
    this.check();
  }

  /** Resolves once no step is in flight, so a finishing run does not cut off a step's commit. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Looks again after the microtasks of whatever just settled. */
  check(): void {
    if (this.checkScheduled) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      if (this.inFlight > 0) return;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
      if (this.parked || (this.draining() && this.waits.length === 0)) this.idle('queued');
      else this.idle(this.waits.length > 0 ? earliestWake(this.waits) : null);
    });
  }
}
