import type { StepWrite } from '../store/checkpoint-store.js';
import type { StepAudit } from './audit-recorder.js';

type AfterCommit = () => void | Promise<void> | undefined;
type Commit = (steps: StepWrite[]) => Promise<void>;

/**
 * The writes of one run's execution: rows waiting to go out, and the queue they go out in.
 *
 * Journaled values and a finished step's outcome wait here so that they share a transaction
 * with the run's next write — the next step's "started" row, the suspension, or the finish: one
 * commit per step, with every outcome still durable before the next body runs.
 *
 * Writes go out one at a time, in order: with a pool of connections, two writes in flight at
 * once could commit out of order (a suspension releasing the lease before the outcome queued
 * ahead of it). Rows are taken when a write goes out, so a write waiting in the queue carries
 * every row added meanwhile.
 */
export class RunWriter {
  private steps: StepWrite[] = [];
  private callbacks: AfterCommit[] = [];
  private last: Promise<boolean> = Promise.resolve(true);
  private flushScheduled = false;

  constructor(
    /** True once the execution has stopped: queued writes then write nothing. */
    private readonly stopped: () => boolean,
    /** Called when a write fails; the writer then reports false to whoever waits on it. */
    private readonly onError: (error: unknown) => void,
    /** Where a step's audit entry rides along with its row (`deps.auditWithStep`), and whose run. */
    private readonly audit?: { recorder: StepAudit; runId: string },
  ) {}

  /** Rows waiting for the next write. */
  get size(): number {
    return this.steps.length;
  }

  /** Rows added and not yet taken by a write. */
  pending(): readonly StepWrite[] {
    return this.steps;
  }

  /** Adds a row to the next write; `afterCommit` runs once it is durable. */
  add(step: StepWrite, afterCommit?: AfterCommit): void {
    this.steps.push(step);
    if (afterCommit) this.callbacks.push(afterCommit);
  }

  /**
   * Queues `commit` of everything pending. Resolves true once it committed and what waited on
   * its rows has run; false if the execution stopped or the write failed. With `skipIfEmpty`, a
   * write that finds nothing pending (an earlier one carried its rows) sends nothing.
   */
  write(commit: Commit, options: { skipIfEmpty?: boolean } = {}): Promise<boolean> {
    const next = this.last.then(() => this.writeNow(commit, options.skipIfEmpty === true));
    this.last = next;
    return next;
  }

  /** Writes what is pending at the end of this turn of the event loop, unless a write carries it first. */
  flushSoon(commit: Commit): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (!this.stopped() && this.steps.length > 0) void this.write(commit, { skipIfEmpty: true });
    });
  }

  /**
   * A write takes the run's entries still queued (the decision on a tool call about to start,
   * the outcome of the step before it) and carries them in the order they were recorded, on its
   * first step that carries an entry or else its first step (the store appends a write's entries
   * in step order): the trail keeps the run's order, and no crash can commit a step without what
   * the run recorded before it. Returns what it took from the queue, or undefined when the write
   * carries no entry.
   */
  private takeAudit(steps: StepWrite[]): StepWrite['audit'] | undefined {
    if (!this.audit || steps.length === 0) return undefined;
    const carriers = steps.filter((step) => step.audit !== undefined);
    const drafts = carriers.length === 1 ? carriers[0]!.audit! : carriers.flatMap((step) => step.audit!);
    const { entries, taken } = this.audit.recorder.takeQueued(this.audit.runId, drafts);
    if (taken.length === 0) return carriers.length === 0 ? undefined : [];
    const first = carriers[0] ?? steps[0]!;
    first.audit = entries;
    for (const step of carriers.slice(1)) delete step.audit;
    return taken;
  }

  private async writeNow(commit: Commit, skipIfEmpty: boolean): Promise<boolean> {
    if (this.stopped()) return false;
    if (skipIfEmpty && this.steps.length === 0) return true;
    const steps = this.steps;
    const callbacks = this.callbacks;
    this.steps = [];
    this.callbacks = [];
    const taken = this.takeAudit(steps);
    try {
      await commit(steps);
    } catch (error) {
      if (taken) this.audit!.recorder.restore(taken);
      this.onError(error);
      return false;
    }
    if (taken) this.audit!.recorder.written();
    if (this.stopped()) return false;
    for (const callback of callbacks) {
      const pending = callback();
      if (pending) await pending;
    }
    return !this.stopped();
  }
}
