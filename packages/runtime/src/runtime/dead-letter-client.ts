import type { Clock } from '../core/clock.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import { SUCCESS_STATUSES } from '../core/step-identity.js';
import type { DeadLetterRecord } from '../store/dead-letter-store.js';
import type { Store } from '../store/store.js';
import type { VigilClient } from './client.js';
import { pageLimit } from './escalation-client.js';
import type { RuntimeEvents } from './events.js';
import { toDeadLetterView, type DeadLetterView } from './operator-views.js';

export interface ListDeadLettersOptions {
  workflow?: string;
  /** Include dead letters already replayed. */
  includeReplayed?: boolean;
  limit?: number;
  cursor?: string;
}

export interface ReplayOptions {
  /** Re-run from the first step with this name (it and everything after it run again). */
  fromStep?: string;
  /** Start a new run with this input instead, linked to the dead one. */
  input?: unknown;
  principal?: string | null;
}

export interface ReplayResult {
  deadLetter: DeadLetterView;
  /** The run that carries on: the same run, or a new one when replayed with new input. */
  runId: string;
  /** The sequence number replay resumed from (same run only). */
  fromSeq: number | null;
}

/** The dead-letter queue: runs that failed permanently, and replaying them. */
export class DeadLetterClient {
  constructor(private readonly deps: { store: Store; clock: Clock; events: RuntimeEvents; runs: VigilClient }) {}

  async list(
    options: ListDeadLettersOptions = {},
  ): Promise<{ deadLetters: DeadLetterView[]; nextCursor: string | null }> {
    const limit = pageLimit(options.limit);
    const rows = await this.deps.store.deadLetters.list({
      ...(options.workflow === undefined ? {} : { workflow: options.workflow }),
      ...(options.includeReplayed ? { includeReplayed: true } : {}),
      ...(options.cursor === undefined ? {} : { before: options.cursor }),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      deadLetters: page.map(toDeadLetterView),
      nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
    };
  }

  async get(id: string): Promise<DeadLetterView> {
    return toDeadLetterView(await this.record(id));
  }

  /**
   * Replays a dead-lettered run. By default it resumes from its last good checkpoint: steps
   * that completed keep their results and do not run again; the failed step and everything
   * after it run anew. `fromStep` re-runs from an earlier step; `input` starts a new run with
   * edited input, linked to the old one.
   *
   * @throws NotFoundError `dead_letter_not_found`, `step_not_found`; ConflictError `dead_letter_replayed`,
   *   or `input_corrupted` when the run's stored input failed its checksum and no `input` is given
   */
  async replay(id: string, options: ReplayOptions = {}): Promise<ReplayResult> {
    const letter = await this.record(id);
    const principal = options.principal ?? null;
    const now = (): number => this.deps.clock.now();
    if (options.input !== undefined) {
      const started = await this.deps.runs.start(letter.workflow, options.input, {
        replayOf: letter.runId,
        ...(principal === null ? {} : { principal }),
      });
      const marked = await this.deps.store.deadLetters.markReplayed(id, { runId: started.id, principal, now: now() });
      this.deps.events.emit('dead_letter.replayed', {
        deadLetterId: id,
        runId: letter.runId,
        replayRunId: started.id,
        principal,
      });
      return { deadLetter: toDeadLetterView(marked), runId: started.id, fromSeq: null };
    }
    if ((await this.deps.store.runs.get(letter.runId))?.inputIntact === false) {
      throw new ConflictError(
        'input_corrupted',
        `The stored input of run ${letter.runId} does not match its checksum: replay it with input`,
        { path: 'input' },
      );
    }
    const steps = await this.deps.store.checkpoints.list(letter.runId);
    let fromSeq: number;
    if (options.fromStep !== undefined) {
      const step = steps.find((s) => s.name === options.fromStep && !s.name.startsWith('$'));
      if (!step) {
        throw new NotFoundError(
          'step_not_found',
          `Run ${letter.runId} has no step named ${JSON.stringify(options.fromStep)}`,
          {
            path: 'fromStep',
          },
        );
      }
      fromSeq = step.seq;
    } else {
      // The last good checkpoint: everything before the first step that did not finish well.
      const firstBad = steps.find((s) => !SUCCESS_STATUSES.has(s.status) || !s.intact);
      fromSeq = firstBad ? firstBad.seq : (steps.at(-1)?.seq ?? 0) + 1;
    }
    const replayed = await this.deps.store.deadLetters.replay(id, { fromSeq, principal, now: now() });
    this.deps.events.emit('dead_letter.replayed', {
      deadLetterId: id,
      runId: letter.runId,
      replayRunId: letter.runId,
      principal,
    });
    return { deadLetter: toDeadLetterView(replayed), runId: letter.runId, fromSeq };
  }

  private async record(id: string): Promise<DeadLetterRecord> {
    const record = await this.deps.store.deadLetters.get(id);
    if (!record) throw new NotFoundError('dead_letter_not_found', `No dead letter with id ${id}`, { path: 'id' });
    return record;
  }
}
