import { LeaseLostError, StepFailedError, toErrorRecord, type ErrorRecord } from '../core/errors.js';
import type { FailpointName } from '../core/failpoints.js';
import { encodeJson } from '../core/json.js';
import type { Logger } from '../core/logger.js';
import type { StepKind } from '../core/step-identity.js';
import type { AnyWorkflow } from '../core/workflow.js';
import type { WorkflowBudget } from '../governance/budget-scopes.js';
import type { AttemptRecord, StepRecord, StepWrite } from '../store/checkpoint-store.js';
import type { AgentMemoryWrite } from '../store/memory-store.js';
import type { ClaimedRun, FinishOutcome, Lease } from '../store/queue-store.js';
import type { Suspension } from '../store/timer-store.js';
import type { ExecutionDeps } from './execution-deps.js';
import { History } from './history.js';
import { ExecutionContext } from './execution-context.js';
import { never, recordedInput, settledResult } from './recorded-steps.js';
import { announceFinish, failureOutcome, successOutcome, type ExecutionOutcome } from './run-ending.js';
import { RunLogs } from './run-logs.js';
import { RunQuiescence } from './run-quiescence.js';
import { RunTimeline } from './run-timeline.js';
import { ExecutionTrace } from './run-tracing.js';
import { RunWriter } from './run-writer.js';
import type { PolicyResult } from './policy-host.js';
import {
  corruptRowFound,
  inputFailure,
  isCorruptionWait,
  planForKind,
  recoverCorruptStep,
  reportCorruption,
  resumeCorruptionWait,
  type CorruptionHost,
  type CorruptionPlan,
} from './corrupt-step.js';
import { STOPPED } from './step-runner.js';

export type { ExecutionDeps } from './execution-deps.js';
export type { ExecutionOutcome } from './run-ending.js';

/**
 * One execution of one run on this worker, from claim to a durable stopping point: the run
 * finished, suspended (sleep, hand-back), or this worker lost it.
 *
 * The workflow function runs from the top. Calls that the history already records return the
 * recorded result; the first new step runs under the lease. When every started step has
 * committed and the workflow is only waiting on timers, the run suspends: its steps and wake-up
 * time are committed and the lease released, and the in-memory execution is dropped. After a
 * suspension or a crash, the next execution replays from the top.
 */
export class RunExecution implements CorruptionHost {
  readonly runId: string;
  readonly lease: Lease;
  readonly done: Promise<ExecutionOutcome>;
  private settleDone!: (outcome: ExecutionOutcome) => void;
  private state: 'running' | 'draining' | 'stopping' | 'done' = 'running';
  private readonly history: History;
  private readonly abortController = new AbortController();
  private nextSeq = 1;
  /** Steps in flight and what else the workflow waits on; when to suspend. */
  private readonly quiescence = new RunQuiescence(
    (due) => this.onIdle(due),
    () => this.state === 'draining',
  );
  /** The latest row of every step, the events taken, the failed attempts. */
  private readonly timeline: RunTimeline;
  /** Rows not yet committed (journaled values, finished steps) and the queue of writes. */
  private readonly writer: RunWriter;
  /** When this worker's lease runs out, as far as it knows (claim, step starts, heartbeats). */
  leaseExpiresAt: number;
  /** The engine's lines about this run (not stored with its steps). */
  readonly log: Logger;
  /** The lines the run's own code logs. */
  readonly logs: RunLogs;
  readonly trace: ExecutionTrace;

  constructor(
    readonly deps: ExecutionDeps,
    private readonly workflow: AnyWorkflow,
    private readonly claimed: ClaimedRun,
  ) {
    this.runId = claimed.run.id;
    this.lease = claimed.lease;
    const recorder = deps.auditWithStep;
    this.writer = new RunWriter(
      () => this.stopped,
      (error) => this.onWriteError(error),
      recorder ? { recorder, runId: this.runId } : undefined,
    );
    this.history = new History(this.runId, claimed.steps);
    this.timeline = new RunTimeline({ id: this.runId, workflow: workflow.name }, deps.store, claimed.steps, () =>
      this.writer.pending(),
    );
    this.log = deps.logger.child({ runId: this.runId, workflow: workflow.name });
    this.logs = new RunLogs(this.runId, this.log, deps.runLogs, deps.clock);
    this.trace = new ExecutionTrace(deps.tracer, claimed.run);
    this.done = new Promise((resolve) => (this.settleDone = resolve));
    void this.done.then((outcome) => this.trace.end(outcome));
    this.leaseExpiresAt = claimed.run.lease?.expiresAt ?? 0;
  }

  /** The worker's heartbeat extended the lease. */
  leaseRenewed(expiresAt: number): void {
    this.leaseExpiresAt = Math.max(this.leaseExpiresAt, expiresAt);
  }

  get attempt(): number {
    return this.claimed.run.attempt;
  }

  get receivedEventIds(): ReadonlySet<string> {
    return this.timeline.receivedEventIds;
  }

  get workflowName(): string {
    return this.workflow.name;
  }

  get workflowBudget(): WorkflowBudget {
    const { name, agent, budget } = this.workflow;
    return { workflow: name, agent, budget };
  }

  get replaying(): boolean {
    return this.nextSeq <= this.history.lastSeq;
  }

  /** Whether this execution is over: it can no longer end the run. */
  get stopped(): boolean {
    return this.state === 'done';
  }

  /** Whether ctx calls may still start work. After a stop they hang, so nothing runs twice. */
  get active(): boolean {
    return this.state === 'running' || this.state === 'draining';
  }

  start(): void {
    let input: unknown;
    try {
      input = recordedInput(this.claimed.run, this.workflow);
    } catch (error) {
      void this.finish(inputFailure(this, error, this.endingContext()));
      return;
    }
    const ctx = new ExecutionContext(this, this.workflow, this.claimed.run, input);
    // An async function, or a plain one that throws synchronously: both end in the same handlers.
    void Promise.resolve()
      .then(() => this.workflow.run(ctx, input))
      .then(
        (output) => this.onReturned(output),
        (error) => this.onThrew(error),
      )
      .catch((error: unknown) => this.abandon('store_error', error));
    this.quiescence.check();
  }

  /** Stop starting new steps; hand the run back as soon as in-flight steps have committed. */
  drain(): void {
    if (this.state !== 'running') return;
    this.state = 'draining';
    this.quiescence.check();
  }

  /**
   * The worker's heartbeat could not renew the lease. While a finish or suspension is being
   * written, that write decides: it released the lease itself if it committed (so the failed
   * renewal is stale), and it reports the loss if it did not.
   */
  leaseLost(): void {
    if (this.state === 'stopping') return;
    this.abandon('lease_lost');
  }

  /** Stops at once, without writing: the lease is gone, so any write would be refused anyway. */
  abandon(reason: 'lease_lost' | 'store_error', error?: unknown): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.abortController.abort(new LeaseLostError(this.runId));
    this.settleDone({ kind: 'abandoned', reason, ...(error === undefined ? {} : { error: toErrorRecord(error) }) });
  }

  /** Stops at once and hands the run back for another worker (shutdown grace period over). */
  async handBack(): Promise<void> {
    if (this.state === 'done' || this.state === 'stopping') return this.done.then(() => undefined);
    this.state = 'stopping';
    this.abortController.abort(new Error('worker shutting down'));
    await this.suspend({ status: 'queued', wakeAt: this.deps.clock.now() });
  }

  // ---- called by ExecutionContext -------------------------------------------------------

  takeSeq(): number {
    return this.nextSeq++;
  }

  /**
   * One ctx call at the next sequence number: a final record returns its result (or rejects
   * with its error); otherwise `run` does the new work (the first attempt, or the rest of an
   * interrupted, retrying or waiting step) under the execution's guard.
   */
  runStep<T>(
    name: string,
    kind: StepKind,
    run: (seq: number, recorded: StepRecord | undefined) => Promise<PolicyResult>,
    plan: (seq: number) => CorruptionPlan = () => planForKind(kind),
  ): Promise<T> {
    const seq = this.takeSeq();
    const call = { seq, name, kind };
    // A corrupted row is never read: the step re-runs or waits on a human (corrupt-step.ts).
    if (this.history.corrupted(seq)) {
      return this.runGuarded(undefined, () => recoverCorruptStep(this, call, plan(seq), () => run(seq, undefined)));
    }
    const recorded = this.lookup(seq, name, kind);
    if (recorded && isCorruptionWait(recorded)) {
      return this.runGuarded(recorded, (r) =>
        resumeCorruptionWait(this, call, r!, plan(seq), () => run(seq, undefined)),
      );
    }
    const settled = recorded && settledResult<T>(recorded);
    if (settled) return settled;
    return this.runGuarded(recorded, (record) => run(seq, record));
  }

  /**
   * The record at `seq`, checked against the call; a mismatched history ends the run. For the
   * calls that look up their own rows (journaled values, sleeps, memory writes: all effect-free
   * or deduplicated), a corrupted row is reported and treated as absent, so the call runs again
   * and its new row replaces the bad one.
   */
  lookup(seq: number, name: string, kind: StepKind): ReturnType<History['lookup']> {
    if (this.history.corrupted(seq)) {
      reportCorruption(this, { seq, name, kind }, 'rerun', null, corruptRowFound(seq, name));
      return undefined;
    }
    try {
      return this.history.lookup(seq, name, kind);
    } catch (error) {
      // The history cannot be trusted past this point, whatever the workflow does with the error.
      void this.finish(this.failedWith(error));
      throw error;
    }
  }

  /** Ends the run for good with `error`, committing `row` with the ending (corrupt-step.ts). */
  endRun(error: unknown, row: StepWrite): void {
    this.queueRow(row);
    void this.finish(this.failedWith(error));
  }

  /** Adds a row to the next write and keeps the timeline current. */
  queueRow(row: StepWrite, afterCommit?: () => void | Promise<void>): void {
    this.timeline.record(row);
    this.writer.add(row, afterCommit);
  }

  /**
   * Commits an agent-memory write with the rows pending and its own row, in one transaction
   * fenced by the lease; resolves with the version the write got, or null if the execution
   * stopped (the write failed or the lease was lost). Its row goes with this write alone, never
   * with an earlier one queued ahead, which would carry it without the memory write.
   */
  async commitMemoryWrite(row: StepWrite, write: AgentMemoryWrite): Promise<number | null> {
    let version: number | null = null;
    const ok = await this.writer.write(async (steps) => {
      version = await this.deps.store.memory.commitWrite(this.lease, [...steps, row], write);
    });
    if (!ok || version === null) return null;
    this.timeline.record(Object.assign({}, row, { output: JSON.stringify({ version }) }));
    return version;
  }

  /** A durable sleep until `wakeAt`, its row already queued or recorded. */
  sleepUntil(wakeAt: number): void {
    this.quiescence.waitOn({ wakeAt, status: 'sleeping' });
  }

  // ---- internals -----------------------------------------------------------------------

  /** Runs new work for a step unless the execution stopped or drains; counts it in flight. */
  private async runGuarded<T>(
    recorded: StepRecord | undefined,
    run: (recorded: StepRecord | undefined) => Promise<PolicyResult>,
  ): Promise<T> {
    if (!this.active) return never();
    if (this.state === 'draining') {
      this.quiescence.park();
      return never();
    }
    this.quiescence.started();
    let result: PolicyResult;
    try {
      result = await run(recorded);
    } finally {
      this.quiescence.ended();
    }
    if (result === STOPPED) return never();
    if (!result.ok) throw result.error;
    return result.value as T;
  }

  // ---- StepHost ------------------------------------------------------------------------

  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  commitNow(write: StepWrite, renewUntil?: number): Promise<boolean> {
    this.queueRow(write);
    // An earlier write still queued may carry this row; a renewal is written in any case.
    return this.writer.write((steps) => this.commitSteps(steps, renewUntil), { skipIfEmpty: renewUntil === undefined });
  }

  /**
   * The outcome commits with the run's next write (usually the next step's start), or on its
   * own at the end of this turn of the event loop if the workflow starts nothing new.
   */
  commitLater(outcome: StepWrite, afterCommit?: () => Promise<void> | undefined): void {
    this.queueRow(outcome, afterCommit);
    this.writer.flushSoon((steps) => this.commitSteps(steps));
  }

  wait(
    row: StepWrite,
    wakeAt: number | null,
    status: 'retrying' | 'waiting',
    onCommitted?: () => void,
  ): typeof STOPPED {
    this.queueRow(row, onCommitted);
    this.trace.waiting(row, wakeAt, status);
    this.quiescence.waitOn({ wakeAt, status });
    return STOPPED;
  }

  storeFailed(error: unknown): void {
    this.onWriteError(error);
  }

  failureContext(seq: number, name: string, error: ErrorRecord | null, extra?: AttemptRecord): Promise<string> {
    return this.timeline.failureContext(seq, name, error, extra);
  }

  private commitSteps(steps: StepWrite[], renewUntil?: number): Promise<void> {
    return this.deps.store.checkpoints.commit(this.lease, steps, renewUntil);
  }

  private onWriteError(error: unknown): void {
    if (LeaseLostError.is(error)) {
      this.log.warn('lost the lease; stopping this execution', { epoch: this.lease.epoch });
      this.abandon('lease_lost');
    } else {
      this.log.error('a checkpoint write failed; stopping this execution', { error: toErrorRecord(error) });
      this.abandon('store_error', error);
    }
  }

  private async onReturned(output: unknown): Promise<void> {
    if (!this.active) return;
    await this.quiescence.whenIdle();
    if (!this.active) return;
    let text: string;
    try {
      this.history.assertFullyReplayed(this.nextSeq);
      text = encodeJson(output, `Workflow ${this.workflow.name} output`, this.deps.maxPayloadBytes);
    } catch (error) {
      return this.finish(this.failedWith(error));
    }
    return this.finish(successOutcome(text, this.workflow, this.timeline.entries()));
  }

  private async onThrew(error: unknown): Promise<void> {
    if (!this.active) return;
    await this.quiescence.whenIdle();
    let attempts: Array<AttemptRecord & { seq: number }> = [];
    if (StepFailedError.is(error)) {
      // Let writes already under way land first, so the stored attempts are complete.
      if (!(await this.writer.write((steps) => this.commitSteps(steps), { skipIfEmpty: true }))) return;
      try {
        attempts = await this.timeline.attemptsOf(error.seq ?? -1);
      } catch (storeError) {
        return this.storeFailed(storeError);
      }
    }
    return this.finish(this.failedWith(error, attempts));
  }

  /** How the run ends when it fails with `error` (`attempts`: the failed step's, when stored). */
  private failedWith(error: unknown, attempts: Array<AttemptRecord & { seq: number }> = []): FinishOutcome {
    return failureOutcome(error, this.timeline.entries(), this.endingContext(attempts));
  }

  private endingContext(
    attempts: Array<AttemptRecord & { seq: number }> = [],
  ): ReturnType<RunTimeline['endingContext']> {
    return this.timeline.endingContext(attempts, this.deps.clock.now());
  }

  private async finish(outcome: FinishOutcome): Promise<void> {
    if (!this.active) return;
    this.state = 'stopping';
    await this.failpoint('run.before-finish');
    const { store, clock, events } = this.deps;
    const ok = await this.writer.write((steps) => store.queue.finish(this.lease, outcome, steps, clock.now()));
    if (!ok) return;
    this.state = 'done';
    // Committed: a `result()` waiting here takes the ending as it is, before the announcement.
    this.deps.runEnds?.endedHere(this.runId, outcome);
    const durationMs = Math.max(0, clock.now() - this.claimed.run.createdAt);
    this.settleDone(announceFinish(events, { runId: this.runId, workflow: this.workflow.name, durationMs }, outcome));
  }

  private async suspend(suspension: Suspension): Promise<void> {
    this.state = 'stopping';
    const { store, clock, events } = this.deps;
    const ok = await this.writer.write((steps) => store.timers.suspend(this.lease, suspension, steps, clock.now()));
    if (!ok) return;
    this.state = 'done';
    events.emit('run.suspended', { runId: this.runId, status: suspension.status, wakeAt: suspension.wakeAt });
    this.settleDone({ kind: 'suspended', suspension });
  }

  /** Nothing is in flight (run-quiescence.ts): suspend on what is due, if anything. */
  private onIdle(due: 'queued' | Suspension | null): void {
    if (!this.active || due === null) return;
    void this.suspend(due === 'queued' ? { status: 'queued', wakeAt: this.deps.clock.now() } : due);
  }

  failpoint(name: FailpointName, step?: string, seq?: number): Promise<void> | undefined {
    const { failpoints } = this.deps;
    // Nothing armed (every production run): no promise, and the caller need not wait a turn.
    if (!failpoints.armed) return undefined;
    return failpoints.hit(name, { runId: this.runId, ...(step === undefined ? {} : { step, seq }) });
  }
}
