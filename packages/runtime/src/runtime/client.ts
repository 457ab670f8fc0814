import { sha256 } from '../core/checksum.js';
import { WAKE_UP, type Clock } from '../core/clock.js';
import { ConflictError, InvalidArgumentError, NotFoundError, RunFailedError } from '../core/errors.js';
import type { Failpoints } from '../core/failpoints.js';
import { isRunId, newRunId, validateIdempotencyKey } from '../core/ids.js';
import { canonicalJson } from '../core/json.js';
import { encodeInput } from '../core/schema-check.js';
import { isTerminalStatus, type RunStatus } from '../core/run-status.js';
import type { AnyWorkflow } from '../core/workflow.js';
import { CODE_PRINCIPAL } from '../governance/principal.js';
import type { CreateRunResult, RunOutcome } from '../store/run-store.js';
import type { Store } from '../store/store.js';
import type { StepAudit } from './audit-recorder.js';
import type { DirectDispatcher } from './direct-dispatch.js';
import { RunEndWaiters } from './run-end-waiters.js';
import { runFlowOf } from './run-flow.js';
import type { RuntimeEvents } from './events.js';
import type { ProgressWorkflow } from './progress.js';
import type { StepDurationHistory } from './step-durations.js';
import { workflowTitle } from './run-ending.js';
import {
  toRunDetails,
  toRunSummary,
  toStepView,
  type RunDetails,
  type RunSummary,
  type StepDetails,
} from './run-view.js';
import { replayRun, type ReplayRunOptions, type ReplayRunResult } from './run-replay.js';
import { runFilterOf } from './run-list-filter.js';
import type { WorkflowRegistry } from './workflow-registry.js';

export interface StartOptions {
  /**
   * Same key, same input: the same run. Same key, other input: `ConflictError`. At most 256
   * bytes. A key holds its run for the retention window (`idempotencyRetention`, default 24 h);
   * after it, the key starts a new run.
   */
  idempotencyKey?: string;
  /**
   * Who is starting the run, recorded with it (see `Principal`): `key:<id>` from the API,
   * `schedule:<id>`, `event:<id>`. Default `code`.
   */
  principal?: string;
  /** The run this one replays (set by dead-letter replay with edited input and by `replay`). */
  replayOf?: string;
  /**
   * The steps of another run numbered below `beforeSeq`, copied into this one when it is created
   * (replay from a step). Such a run is never started directly on this process's worker.
   */
  copySteps?: { runId: string; beforeSeq: number };
  /**
   * Seconds (integer, 0–600) this run goes ahead of runs queued at the same time; overrides the
   * workflow's `priority`.
   */
  priority?: number;
}

export interface StartResult {
  id: string;
  status: RunStatus;
  /** False when the idempotency key matched an existing run. */
  created: boolean;
}

export interface ListRunsOptions {
  /** One status, or several separated by commas. */
  status?: string;
  workflow?: string;
  /** Created at or after this ISO 8601 time. */
  from?: string;
  /** Created before this ISO 8601 time. */
  to?: string;
  /** A run id or the start of one, or text found in the input (case-insensitive). */
  q?: string;
  /** 1–500, default 50. */
  limit?: number;
  /** `nextCursor` from the previous page. */
  cursor?: string;
}

export interface RunList {
  runs: RunSummary[];
  nextCursor: string | null;
}

export interface ResultOptions {
  signal?: AbortSignal;
  /** How often to look in the store, for runs finished by other processes. Default 500 ms. */
  pollMs?: number;
}

export interface ClientDeps {
  store: Store;
  registry: WorkflowRegistry;
  events: RuntimeEvents;
  clock: Clock;
  maxPayloadBytes: number;
  /** How long an idempotency key holds its run: after that, the key starts a new run. */
  idempotencyRetentionMs: number;
  /** The worker of this process, if any: runs it can take now start on it directly. */
  localWorker?: () => DirectDispatcher | undefined;
  /** Historical step durations for progress ETAs; without it, `etaSeconds` is always null. */
  durations?: StepDurationHistory;
  /**
   * The audit recorder, where the store commits a run's `run.created` entry with the run
   * (`audit.appendsWithSteps`); otherwise the entry is recorded from the event, after the commit.
   */
  auditWithWrite?: () => Pick<StepAudit, 'draftWithWrite'> | undefined;
  /** `run.after-create` fires once a run is created (crash tests). */
  failpoints?: Failpoints;
}

/** Starts, inspects and cancels runs. Everything it writes is durable before it resolves. */
export class VigilClient {
  /**
   * What wakes `result()` when a run ends in this process (it polls for runs that end elsewhere).
   * This process's worker shares it and reports the endings it commits, so `result()` answers
   * them without reading them back.
   */
  readonly runEnds: RunEndWaiters;

  constructor(private readonly deps: ClientDeps) {
    this.runEnds = new RunEndWaiters(deps.events);
  }

  /**
   * Validates `input` against the workflow's schema and computes its priority and flow-control
   * keys, then commits a queued run. Nothing is written when any of that fails.
   *
   * @throws NotFoundError (`workflow_not_found`) for an unknown workflow name.
   * @throws ValidationError (`input_invalid`) naming the first bad field as `input.<path>`.
   * @throws InvalidArgumentError for a bad priority, or a key function that throws or returns no key.
   * @throws ConflictError (`idempotency_conflict`) when the key was used with another input.
   */
  async start(workflow: AnyWorkflow | string, input: unknown, options: StartOptions = {}): Promise<StartResult> {
    const definition = typeof workflow === 'string' ? this.deps.registry.latest(workflow) : workflow;
    const idempotencyKey = options.idempotencyKey === undefined ? null : validateIdempotencyKey(options.idempotencyKey);
    const { text, json, parsed } = encodeInput<unknown>(definition.input, input, {
      subject: 'The input',
      root: 'input',
      what: `Invalid input for ${definition.name}`,
      maxBytes: this.deps.maxPayloadBytes,
    });
    const { priority, flow } = runFlowOf(definition, parsed, options.priority);
    const principal = options.principal ?? CODE_PRINCIPAL;
    const now = this.deps.clock.now();
    // A run under limits waits for a claim to admit it: it never starts directly on this worker.
    const slot =
      flow === null && options.copySteps === undefined ? this.deps.localWorker?.()?.reserve(definition) : undefined;
    const id = newRunId(now);
    // Emitted once the run is created; its audit entry commits with the run.
    const created = { runId: id, workflow: definition.name, version: definition.version, idempotencyKey, principal };
    const audit = this.deps.auditWithWrite?.()?.draftWithWrite('run.created', created);
    let result: CreateRunResult;
    try {
      result = await this.deps.store.runs.create({
        id,
        workflow: definition.name,
        version: definition.version,
        input: text,
        inputHash: sha256(canonicalJson(json)),
        idempotencyKey,
        idempotencyRetentionMs: this.deps.idempotencyRetentionMs,
        principal,
        replayOf: options.replayOf ?? null,
        ...(options.copySteps ? { copySteps: options.copySteps } : {}),
        now,
        priority,
        flow,
        ...(slot ? { leaseTo: { owner: slot.owner, leaseTtlMs: slot.leaseTtlMs } } : {}),
        ...(audit ? { audit } : {}),
      });
    } catch (error) {
      slot?.release();
      throw error;
    }
    if (result.created && this.deps.failpoints?.armed) {
      await this.deps.failpoints.hit('run.after-create', { runId: result.id });
    }
    if (result.created) this.deps.events.emit('run.created', created);
    if (slot) {
      if (result.leased) slot.launch({ run: result.leased.run, lease: result.leased.lease, steps: [] });
      else slot.release();
    }
    return { id: result.id, status: result.status, created: result.created };
  }

  /** The run with its steps and progress, or null if there is no such run. */
  async getRun(id: string): Promise<RunDetails | null> {
    assertRunId(id);
    const run = await this.deps.store.runs.get(id);
    if (!run) return null;
    const { store, registry, durations, clock } = this.deps;
    const unfinished = !isTerminalStatus(run.status);
    const [steps, attempts, escalations, costs, estimates] = await Promise.all([
      store.checkpoints.list(id),
      store.checkpoints.attempts(id),
      store.escalations.list({ runId: id, limit: 500 }),
      store.spend.runCost(id),
      unfinished && durations ? durations.estimates(run.workflow, run.version) : undefined,
    ]);
    return toRunDetails(
      run,
      steps,
      attempts,
      escalations,
      progressWorkflow(run.workflow, registry.get(run.workflow, run.version)),
      costs,
      { estimates, now: clock.now() },
    );
  }

  /**
   * One step of a run with its checkpointed result: what the run view leaves out, since every
   * step's result together may be megabytes.
   *
   * @throws NotFoundError `run_not_found`, `step_not_found`.
   */
  async getStep(id: string, seq: number): Promise<StepDetails> {
    assertRunId(id);
    const { store } = this.deps;
    if (!(await store.runs.get(id))) throw new NotFoundError('run_not_found', `No run with id ${id}`, { path: 'id' });
    const [steps, attempts, costs, input] = await Promise.all([
      store.checkpoints.list(id),
      store.checkpoints.attempts(id),
      store.spend.runCost(id),
      store.checkpoints.input(id, seq),
    ]);
    const step = steps.find((s) => s.seq === seq);
    if (!step) throw new NotFoundError('step_not_found', `Run ${id} has no step ${seq}`, { path: 'seq' });
    const output = step.intact && step.output !== null ? (JSON.parse(step.output) as unknown) : null;
    return { ...toStepView(step, attempts, costs), input: parseInput(input), output };
  }

  /** Runs, newest first, one page at a time. */
  async listRuns(options: ListRunsOptions = {}): Promise<RunList> {
    const limit = options.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new InvalidArgumentError(`limit must be an integer from 1 to 500; got ${options.limit}`, { path: 'limit' });
    }
    if (options.cursor !== undefined && !isRunId(options.cursor)) {
      throw new InvalidArgumentError('cursor is not one this API returned', { path: 'cursor' });
    }
    const runs = await this.deps.store.runs.list({
      ...runFilterOf(options),
      ...(options.cursor === undefined ? {} : { before: options.cursor }),
      limit: limit + 1,
    });
    const page = runs.slice(0, limit);
    return { runs: page.map(toRunSummary), nextCursor: runs.length > limit ? page[page.length - 1]!.id : null };
  }

  /**
   * Starts a new run of the same workflow version with the same input, `replayOf` the original.
   * With `fromSeq`, the original's steps before it are copied into the new run, so they return
   * their checkpoints and execution starts at `fromSeq`. Emits `run.replayed` (audited).
   *
   * @throws NotFoundError `run_not_found`, `workflow_not_found` (the version is not registered here);
   *   ConflictError `run_in_flight` (fromSeq on an unfinished run); ValidationError `from_seq_out_of_range`.
   */
  async replay(id: string, options: ReplayRunOptions = {}): Promise<ReplayRunResult> {
    assertRunId(id);
    return replayRun(this.deps, (workflow, input, start) => this.start(workflow, input, start), id, options);
  }

  /**
   * Cancels a run that has not finished. A worker executing it stops at its next write. Cancelling
   * a cancelled run changes nothing.
   *
   * @throws NotFoundError (`run_not_found`); ConflictError (`run_finished`) for a finished run.
   */
  async cancel(id: string, options: { principal?: string | null } = {}): Promise<RunSummary> {
    assertRunId(id);
    const run = await this.deps.store.runs.cancel(id, this.deps.clock.now());
    if (!run) throw new NotFoundError('run_not_found', `No run with id ${id}`, { path: 'id' });
    if (run.status !== 'cancelled') {
      throw new ConflictError('run_finished', `Run ${id} already finished (${run.status}); it cannot be cancelled`);
    }
    this.deps.events.emit('run.cancelled', {
      runId: id,
      workflow: run.workflow,
      durationMs: Math.max(0, (run.finishedAt ?? this.deps.clock.now()) - run.createdAt),
      principal: options.principal ?? null,
    });
    return toRunSummary(run);
  }

  /**
   * Waits for the run to finish and returns its output.
   *
   * @throws RunFailedError if it failed or was cancelled; NotFoundError if there is no such run.
   */
  async result<T = unknown>(id: string, options: ResultOptions = {}): Promise<T> {
    assertRunId(id);
    const pollMs = options.pollMs ?? 500;
    // A run this process's worker is executing, and has not ended yet, has its ending handed to
    // the waiter registered below once that ending is committed: nothing needs reading before.
    // Checked and registered in one synchronous stretch, so an ending cannot slip in between. A
    // run that ends elsewhere (a cancel from another process, a lost lease) is still found by
    // the polling read after `pollMs`.
    let read = this.deps.localWorker?.()?.executing(id) !== true;
    for (;;) {
      options.signal?.throwIfAborted();
      const wake = new AbortController();
      const woken: { ending: RunOutcome | null } = { ending: null };
      const onAbort = (): void => wake.abort(WAKE_UP);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const stopWaiting = this.runEnds.wait(id, (ending) => {
        if (wake.signal.aborted) return;
        woken.ending = ending;
        wake.abort(WAKE_UP);
      });
      try {
        if (read) {
          const run = await this.deps.store.runs.outcome(id);
          if (!run) throw new NotFoundError('run_not_found', `No run with id ${id}`, { path: 'id' });
          if (isTerminalStatus(run.status)) return answer<T>(id, run);
        }
        read = true;
        await this.deps.clock.sleep(pollMs, wake.signal);
        if (woken.ending) return answer<T>(id, woken.ending);
      } finally {
        stopWaiting();
        options.signal?.removeEventListener('abort', onAbort);
      }
    }
  }
}

/** What `result()` answers for a run that ended: its output, or the error it failed with. */
function answer<T>(id: string, run: RunOutcome): T {
  if (run.status === 'completed' || run.status === 'completed_partial') return JSON.parse(run.output ?? 'null') as T;
  throw new RunFailedError(id, run.status, run.error);
}

/** What progress lines need of a workflow; a workflow this process does not know still gets a title. */
function progressWorkflow(name: string, workflow: AnyWorkflow | undefined): ProgressWorkflow {
  if (!workflow) return { title: workflowTitle({ name, title: undefined }), steps: undefined, stepTitles: {} };
  return { title: workflowTitle(workflow), steps: workflow.steps, stepTitles: workflow.stepTitles };
}

function assertRunId(id: string): void {
  if (typeof id !== 'string' || !isRunId(id)) {
    throw new InvalidArgumentError(`${JSON.stringify(id)} is not a run id`, { path: 'id' });
  }
}

/**
 * A recorded step input. It is outside the checksum (replay never reads it), so text that no
 * longer parses is shown as what it is rather than failing the whole answer.
 */
function parseInput(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { unreadable: text.slice(0, 200) };
  }
}
