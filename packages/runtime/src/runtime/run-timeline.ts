import type { ErrorRecord } from '../core/errors.js';
import type { AttemptRecord, StepRecord, StepWrite } from '../store/checkpoint-store.js';
import type { Store } from '../store/store.js';
import { failureContext, type TimelineEntry } from './run-ending.js';

/**
 * What one execution knows of its run's steps: the latest row of each (recorded, or written
 * by this execution whether committed yet or not), the events its waits took, and the failed
 * attempts of a step — the context a human or a dead letter gets.
 */
export class RunTimeline {
  private readonly latest = new Map<number, TimelineEntry>();
  /** Events this execution's waits took, committed or not: no second wait takes them again. */
  readonly receivedEventIds = new Set<string>();

  constructor(
    private readonly run: { id: string; workflow: string },
    private readonly store: Store,
    recorded: readonly StepRecord[],
    /** Rows added to the run's writer and not yet taken by a write. */
    private readonly pending: () => readonly StepWrite[],
  ) {
    for (const step of recorded) this.latest.set(step.seq, step);
  }

  record(row: StepWrite): void {
    this.latest.set(row.seq, row);
    if (row.receivedEvent?.eventId) this.receivedEventIds.add(row.receivedEvent.eventId);
  }

  entries(): TimelineEntry[] {
    return [...this.latest.values()];
  }

  /** The failed attempts of step `seq`: committed ones, then those still waiting to be written. */
  async attemptsOf(seq: number, extra?: AttemptRecord): Promise<Array<AttemptRecord & { seq: number }>> {
    const stored = (await this.store.checkpoints.attempts(this.run.id)).filter((a) => a.seq === seq);
    const pending = [...this.pending(), ...(extra ? [{ seq, failedAttempt: extra }] : [])]
      .filter((row) => row.seq === seq && row.failedAttempt)
      .map((row) => ({ seq, ...row.failedAttempt! }));
    const byAttempt = new Map([...stored, ...pending].map((a) => [a.attempt, a]));
    return [...byAttempt.values()].sort((a, b) => a.attempt - b.attempt);
  }

  /** The run's context as JSON for an escalation of step `seq`. */
  async failureContext(seq: number, name: string, error: ErrorRecord | null, extra?: AttemptRecord): Promise<string> {
    const attempts = await this.attemptsOf(seq, extra);
    return failureContext(this.run.id, this.run.workflow, this.entries(), { seq, name, error, attempts });
  }

  /** What `failureOutcome` needs besides the error and the timeline. */
  endingContext(
    attempts: ReadonlyArray<AttemptRecord & { seq: number }>,
    now: number,
  ): { runId: string; workflow: string; now: number; attempts: ReadonlyArray<AttemptRecord & { seq: number }> } {
    return { runId: this.run.id, workflow: this.run.workflow, now, attempts };
  }
}
