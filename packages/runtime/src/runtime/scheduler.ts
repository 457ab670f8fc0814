import { WAKE_UP, type Clock } from '../core/clock.js';
import { InvalidArgumentError, toErrorRecord } from '../core/errors.js';
import type { Failpoints } from '../core/failpoints.js';
import type { Logger } from '../core/logger.js';
import type { ScheduleRecord } from '../store/schedule-store.js';
import type { Store } from '../store/store.js';
import type { VigilClient } from './client.js';
import type { RuntimeEvents } from './events.js';
import { fireDueSlots } from './schedule-firing.js';
import { syncDeclaredSchedules } from './schedule-sync.js';
import type { WorkflowRegistry } from './workflow-registry.js';

export interface SchedulerOptions {
  /** How often due schedules are looked for. Default 250 ms. */
  tickMs?: number;
  /** How long a claimed schedule is hidden from other schedulers while its slots fire. Default 5 s. */
  leaseMs?: number;
}

export interface SchedulerDeps {
  store: Store;
  registry: WorkflowRegistry;
  runs: VigilClient;
  events: RuntimeEvents;
  logger: Logger;
  failpoints: Failpoints;
  /** The store's clock: every scheduler process judges slots by the same time. */
  clock: Clock;
  /** Unique per process: whose claims are whose. */
  owner: string;
  maxPayloadBytes: number;
}

export const SCHEDULER_DEFAULTS = { tickMs: 250, leaseMs: 5_000 } as const;
/** Schedules claimed at once. A full batch means more may be due: the next pass starts at once. */
const CLAIM_BATCH = 25;

/**
 * Fires cron schedules. Any number of processes run one; they share the work through claims in
 * the store, and a slot's run is keyed by the slot, so each slot starts one run whichever
 * process fires it and however often. Everything it knows is in the store: a process that dies
 * loses nothing but its claims, which expire.
 *
 * On start it syncs the schedules declared by the registered workflows; then every `tickMs` it
 * claims due schedules of the workflows registered here (those of other workflows are left to
 * the processes that know them), fires their due slots and releases them with their next slot.
 */
export class Scheduler {
  private readonly tickMs: number;
  private readonly leaseMs: number;
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;
  private synced = false;

  constructor(
    private readonly deps: SchedulerDeps,
    options: SchedulerOptions = {},
  ) {
    this.tickMs = positive(options.tickMs ?? SCHEDULER_DEFAULTS.tickMs, 'scheduler tickMs');
    this.leaseMs = positive(options.leaseMs ?? SCHEDULER_DEFAULTS.leaseMs, 'scheduler leaseMs');
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops after the pass in progress, which releases what it claimed. */
  async close(): Promise<void> {
    this.stop.abort(WAKE_UP);
    await this.loop;
  }

  /** One pass: claims due schedules and fires their slots. Whether more are due right away. */
  async tick(): Promise<boolean> {
    const { store, registry, clock, owner } = this.deps;
    const workflows = registry.latestVersions().map((workflow) => workflow.name);
    const now = clock.now();
    const claimed = await store.schedules.claimDue({
      owner,
      now,
      leaseMs: this.leaseMs,
      limit: CLAIM_BATCH,
      workflows,
    });
    let more = claimed.length === CLAIM_BATCH;
    for (const schedule of claimed) {
      if (await this.fire(schedule, now)) more = true;
    }
    return more;
  }

  private async run(): Promise<void> {
    const { clock, logger } = this.deps;
    while (!this.stop.signal.aborted) {
      let more = false;
      try {
        if (!this.synced) {
          const declared = await syncDeclaredSchedules(this.deps);
          this.synced = true;
          logger.info('scheduler started', { declaredSchedules: declared, tickMs: this.tickMs });
        }
        more = await this.tick();
      } catch (error) {
        const what = this.synced ? 'look for due schedules' : 'sync the declared schedules';
        logger.error(`the scheduler could not ${what}; it tries again`, { error: toErrorRecord(error).message });
      }
      if (!more) await clock.sleep(this.tickMs, this.stop.signal);
    }
  }

  /**
   * Fires one claimed schedule and releases it. A failure is logged with the schedule and leaves
   * its claim to expire (another pass, here or elsewhere, takes it up); the other schedules of
   * the pass go on.
   */
  private async fire(schedule: ScheduleRecord, now: number): Promise<boolean> {
    const { store, logger, owner } = this.deps;
    try {
      const { more, ...outcome } = await fireDueSlots(this.deps, schedule, now);
      const released = await store.schedules.release({
        id: schedule.id,
        owner,
        now: this.deps.clock.now(),
        ...outcome,
      });
      if (!released) {
        logger.warn('a schedule changed or was taken over while its slots fired; its new state stands', {
          scheduleId: schedule.id,
        });
      }
      return more && released;
    } catch (error) {
      logger.error('could not fire a schedule; its claim expires and it is tried again', {
        scheduleId: schedule.id,
        error: toErrorRecord(error).message,
      });
      return false;
    }
  }
}

function positive(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`${what} must be positive; got ${value}`);
  return value;
}
