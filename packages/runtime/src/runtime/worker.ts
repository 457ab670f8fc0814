import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

import { WAKE_UP, type Clock } from '../core/clock.js';
import { toErrorRecord } from '../core/errors.js';
import type { Failpoints } from '../core/failpoints.js';
import type { Logger } from '../core/logger.js';
import type { ClaimedRun, WorkflowKey } from '../store/queue-store.js';
import type { Store } from '../store/store.js';
import { ActiveRuns } from './active-runs.js';
import type { RuntimeEvents } from './events.js';
import type { DirectDispatcher, DirectSlot } from './direct-dispatch.js';
import type { Executor } from './executor.js';
import type { RunExecution } from './run-execution.js';
import { stripUndefined, validateOptions, WORKER_DEFAULTS, type WorkerOptions } from './worker-options.js';

export { WORKER_DEFAULTS, type WorkerOptions } from './worker-options.js';

export interface WorkerDeps {
  store: Store;
  executor: Executor;
  events: RuntimeEvents;
  failpoints: Failpoints;
  logger: Logger;
  /** The workflow versions this worker can execute. */
  workflows: readonly WorkflowKey[];
}

/**
 * Claims ready runs under a lease and executes up to `concurrency` at once, renews the leases
 * it holds, and on `stop()` drains: it stops claiming, lets in-flight steps finish within the
 * grace period and hands the remaining runs back.
 *
 * Lease times come from the store's clock only, so every worker judges expiry alike.
 */
export class Worker implements DirectDispatcher {
  readonly id: string;
  private readonly options: Required<Omit<WorkerOptions, 'id'>>;
  private readonly clock: Clock;
  private readonly active = new ActiveRuns<RunExecution>();
  /** Places promised to runs being created in this process (see `reserve`). */
  private reserved = 0;
  private readonly workflowKeys: Set<string>;
  private state: 'idle' | 'running' | 'draining' | 'stopped' = 'idle';
  private wakeRequested = false;
  /** Whether the queue may hold claimable runs (see `claimLoop`). */
  private mayHaveWork = true;
  /** The earliest known wake-up or lease expiry; undefined when it must be read again. */
  private nextWake: number | null | undefined;
  private wakeLoop: (() => void) | undefined;
  /** Wakes the heartbeat loop when it idles with no runs to renew. */
  private onLaunch: (() => void) | undefined;
  private readonly stopController = new AbortController();
  private loops: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly log: Logger;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly deps: WorkerDeps,
    options: WorkerOptions = {},
  ) {
    this.id = options.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const leaseTtlMs = options.leaseTtlMs ?? WORKER_DEFAULTS.leaseTtlMs;
    this.options = {
      ...WORKER_DEFAULTS,
      heartbeatMs: Math.max(1, Math.floor(leaseTtlMs / 5)),
      ...stripUndefined(options),
    };
    validateOptions(this.options);
    this.clock = deps.store.clock;
    this.log = deps.logger.child({ worker: this.id });
    this.workflowKeys = new Set(deps.workflows.map((w) => `${w.name}@${w.version}`));
  }

  /** Number of runs executing on this worker now. */
  get activeCount(): number {
    return this.active.size;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.unsubscribe = this.deps.store.onWorkAvailable(() => this.workAvailable());
    this.loops = Promise.all([this.claimLoop(), this.heartbeatLoop()]).then(() => undefined);
    this.log.info('worker started', { concurrency: this.options.concurrency, leaseTtlMs: this.options.leaseTtlMs });
  }

  reserve(workflow: WorkflowKey): DirectSlot | undefined {
    if (this.state !== 'running' || this.active.size + this.reserved >= this.options.concurrency) return undefined;
    if (!this.workflowKeys.has(`${workflow.name}@${workflow.version}`)) return undefined;
    this.reserved++;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      this.reserved--;
    };
    return {
      owner: this.id,
      leaseTtlMs: this.options.leaseTtlMs,
      launch: (claimed) => {
        settle();
        this.launch(claimed).catch((error: unknown) =>
          this.reportError('could not start a run', error, claimed.run.id),
        );
      },
      release: () => {
        settle();
        this.notify();
      },
    };
  }

  executing(runId: string): boolean {
    const execution = this.active.get(runId);
    return execution !== undefined && !execution.stopped;
  }

  /** Runs may have become claimable (created or handed back, here or elsewhere). */
  workAvailable(): void {
    this.mayHaveWork = true;
    this.nextWake = undefined;
    this.notify();
  }

  /** Wakes the claim loop (a slot came free, or there may be work). */
  notify(): void {
    this.wakeRequested = true;
    this.wakeLoop?.();
  }

  /**
   * Stops claiming, waits up to `graceMs` for in-flight steps, then hands back whatever is
   * still running. Resolves when every held run is committed or released.
   */
  stop(graceMs = this.options.shutdownGraceMs): Promise<void> {
    this.stopping ??= this.drainAndStop(graceMs);
    return this.stopping;
  }

  private async drainAndStop(graceMs: number): Promise<void> {
    if (this.state === 'idle') {
      this.state = 'stopped';
      return;
    }
    this.state = 'draining';
    this.notify();
    const executions = this.active.values();
    for (const execution of executions) execution.drain();
    const graceOver = new AbortController();
    const allDone = Promise.all(executions.map((e) => e.done)).then(() => graceOver.abort(WAKE_UP));
    await Promise.race([allDone, this.clock.sleep(graceMs, graceOver.signal)]);
    graceOver.abort(WAKE_UP);
    const left = this.active.values();
    if (left.length > 0) this.log.warn('grace period over; handing back runs', { runs: left.length });
    await Promise.all(left.map((execution) => execution.handBack()));
    this.state = 'stopped';
    this.unsubscribe?.();
    this.stopController.abort(WAKE_UP);
    await this.loops;
    this.log.info('worker stopped');
  }

  /**
   * Claims while the queue may hold claimable runs. A claim that comes back short means the
   * queue was empty: until something says otherwise — a notification, a due timer, the poll
   * interval — a freed slot does not send another claim, so a busy worker does not query an
   * empty queue after every run.
   */
  private async claimLoop(): Promise<void> {
    let failures = 0;
    while (this.state === 'running') {
      this.wakeRequested = false;
      const free = this.options.concurrency - this.active.size - this.reserved;
      let claimed = 0;
      if (free > 0 && this.mayHaveWork) {
        // Cleared before asking: a notification that arrives during the claim sets it again.
        this.mayHaveWork = false;
        const launched = await this.claimAndLaunch(free);
        if (launched === undefined) {
          this.mayHaveWork = true;
          failures++;
          await this.clock.sleep(Math.min(30_000, 100 * 2 ** Math.min(failures, 8)), this.stopController.signal);
          continue;
        }
        failures = 0;
        claimed = launched;
        this.nextWake = undefined;
        if (claimed === free) this.mayHaveWork = true;
      }
      if (this.state !== 'running') break;
      if (claimed > 0 && claimed === free) continue;
      if (!this.wakeRequested) await this.idle(free > 0);
    }
  }

  /**
   * Claims up to `free` runs and launches them; resolves with how many, or undefined when the
   * claim failed (reported). A method of its own so that the claimed runs are not held by the
   * claim loop while it idles.
   */
  private async claimAndLaunch(free: number): Promise<number | undefined> {
    let claimed: ClaimedRun[];
    try {
      claimed = await this.deps.store.queue.claim({
        owner: this.id,
        now: this.clock.now(),
        leaseTtlMs: this.options.leaseTtlMs,
        limit: free,
        workflows: this.deps.workflows,
      });
    } catch (error) {
      this.reportError('claiming runs failed', error);
      return undefined;
    }
    for (const run of claimed) await this.launch(run);
    return claimed.length;
  }

  /**
   * Waits for a notification, a free slot, the next known wake-up time, or the poll interval.
   * When the wait runs out rather than being cut short, time has passed and runs may be due.
   */
  private async idle(lookForNextWake: boolean): Promise<void> {
    const wake = new AbortController();
    this.wakeLoop = () => wake.abort(WAKE_UP);
    const onStop = (): void => wake.abort(WAKE_UP);
    this.stopController.signal.addEventListener('abort', onStop, { once: true });
    try {
      let waitMs: number = this.options.pollMs;
      if (lookForNextWake) {
        try {
          this.nextWake ??= await this.deps.store.timers.nextWakeAt(this.deps.workflows);
          // At least a few ms: a run that is due but was just taken by another worker must not spin us.
          if (this.nextWake !== null) waitMs = Math.max(5, Math.min(waitMs, this.nextWake - this.clock.now()));
        } catch (error) {
          this.reportError('looking up the next wake-up failed', error);
        }
      }
      if (this.wakeRequested) return;
      await this.clock.sleep(waitMs, wake.signal);
      if (!wake.signal.aborted) {
        this.mayHaveWork = true;
        this.nextWake = undefined;
      }
    } finally {
      this.wakeLoop = undefined;
      this.stopController.signal.removeEventListener('abort', onStop);
    }
  }

  private async launch(claimed: ClaimedRun): Promise<void> {
    const runId = claimed.run.id;
    this.deps.events.emit('run.claimed', {
      runId,
      workerId: this.id,
      attempt: claimed.run.attempt,
      epoch: claimed.lease.epoch,
    });
    if (this.deps.failpoints.armed) await this.deps.failpoints.hit('worker.after-claim', { runId });
    // We re-claimed a run we were still executing (our lease expired): the old execution's
    // writes are already refused, so drop it.
    this.active.get(runId)?.abandon('lease_lost');
    let execution: RunExecution;
    try {
      execution = this.deps.executor.execute(claimed);
    } catch (error) {
      this.reportError('could not start a claimed run', error, runId);
      return;
    }
    this.active.set(execution);
    this.onLaunch?.();
    void execution.done.then((outcome) => {
      this.active.delete(execution);
      if (outcome.kind === 'abandoned') {
        if (outcome.reason === 'lease_lost') this.deps.events.emit('lease.lost', { runId, workerId: this.id });
        else this.reportError('a run stopped on a store error', outcome.error, runId);
      }
      // A suspended or abandoned run has a new wake-up or lease expiry to wait for.
      if (outcome.kind === 'suspended' || outcome.kind === 'abandoned') this.nextWake = undefined;
      const { wakeAt } = outcome.kind === 'suspended' ? outcome.suspension : { wakeAt: null };
      if (wakeAt !== null && wakeAt <= this.clock.now()) this.mayHaveWork = true;
      this.notify();
    });
  }

  private async heartbeatLoop(): Promise<void> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      if (this.active.size === 0) {
        // Nothing to renew: sleep until a run is launched rather than ticking for nothing.
        await this.waitForLaunch();
        continue;
      }
      await this.clock.sleep(this.options.heartbeatMs, signal);
      if (signal.aborted || this.active.size === 0) continue;
      await this.renewLeases();
    }
  }

  /**
   * One heartbeat: renews the leases of the runs executing now. A method of its own so that the
   * executions it lists are let go when it returns: a local of the loop would keep the last
   * heartbeat's runs (finished ones too, with all they hold) alive until the next heartbeat, or
   * for as long as the worker idles.
   */
  private async renewLeases(): Promise<void> {
    const executions = this.active.values();
    try {
      const now = this.clock.now();
      const lost = await this.deps.store.queue.renew(
        executions.map((e) => e.lease),
        now,
        this.options.leaseTtlMs,
      );
      for (const execution of executions) execution.leaseRenewed(now + this.options.leaseTtlMs);
      for (const lease of lost) {
        const execution = this.active.get(lease.runId);
        if (execution?.lease.epoch === lease.epoch) execution.leaseLost();
      }
    } catch (error) {
      this.reportError('renewing leases failed', error);
    }
  }

  private waitForLaunch(): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.stopController.signal;
      if (signal.aborted) return resolve();
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.onLaunch = undefined;
        resolve();
      };
      this.onLaunch = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private reportError(message: string, error: unknown, runId?: string): void {
    const record = toErrorRecord(error);
    this.log.error(message, { error: record, ...(runId ? { runId } : {}) });
    this.deps.events.emit('worker.error', { workerId: this.id, error: record });
  }
}
