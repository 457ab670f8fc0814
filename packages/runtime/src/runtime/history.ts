import { CheckpointCorruptedError, StepMismatchError } from '../core/errors.js';
import { assertSameStep, type StepKind } from '../core/step-identity.js';
import type { StepRecord } from '../store/checkpoint-store.js';

/**
 * A run's recorded steps, consulted as the workflow replays. Each sequence number is looked
 * up at most once, in the order the code asks for it.
 */
export class History {
  private readonly bySeq = new Map<number, StepRecord>();
  readonly lastSeq: number;

  constructor(
    private readonly runId: string,
    steps: readonly StepRecord[],
  ) {
    let last = 0;
    for (const step of steps) {
      this.bySeq.set(step.seq, step);
      last = Math.max(last, step.seq);
    }
    this.lastSeq = last;
  }

  /**
   * The record at `seq` if there is one, after checking it is intact and is the step the code
   * asks for.
   *
   * @throws CheckpointCorruptedError if the record fails its checksum.
   * @throws StepMismatchError if the record is a different step.
   */
  lookup(seq: number, name: string, kind: StepKind): StepRecord | undefined {
    const record = this.bySeq.get(seq);
    if (!record) return undefined;
    if (!record.intact) throw new CheckpointCorruptedError(this.runId, seq, record.name);
    assertSameStep(this.runId, seq, record, { name, kind });
    return record;
  }

  /**
   * The record at `seq` when it fails its checksum, else undefined. None of its fields can be
   * trusted, not even its name, so it is not compared with the call: the caller decides from
   * what the code declares whether to re-run the step or ask a human (see `corrupt-step.ts`).
   */
  corrupted(seq: number): StepRecord | undefined {
    const record = this.bySeq.get(seq);
    return record && !record.intact ? record : undefined;
  }

  /**
   * Called when the workflow returns: recorded steps it never asked for mean the code no
   * longer matches the history.
   */
  assertFullyReplayed(nextSeq: number): void {
    if (nextSeq > this.lastSeq) return;
    const unvisited = this.bySeq.get(nextSeq) ?? [...this.bySeq.values()].find((step) => step.seq >= nextSeq)!;
    throw new StepMismatchError(this.runId, unvisited.seq, unvisited.name, '(the workflow returned)');
  }
}
