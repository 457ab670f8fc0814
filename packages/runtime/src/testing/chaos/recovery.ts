import type { Store } from '../../store/store.js';

interface PendingRecovery {
  runId: string;
  killedAt: number;
}

/**
 * Recovery times after kills: for each run a killed worker held, the time from the kill to the
 * end of the first step another worker committed for it (or the run's end, if no step was left).
 */
export class RecoveryTracker {
  private pending: PendingRecovery[] = [];
  readonly times: number[] = [];
  kills = 0;

  constructor(private readonly store: Store) {}

  /** Records a kill: the runs among `inFlight` leased by `owner` wait for their recovery. */
  async killed(owner: string, at: number, inFlight: Iterable<string>): Promise<string[]> {
    this.kills++;
    const held: string[] = [];
    for (const runId of inFlight) {
      const run = await this.store.runs.get(runId);
      if (run?.lease?.owner.startsWith(owner)) held.push(runId);
    }
    for (const runId of held) this.pending.push({ runId, killedAt: at });
    return held;
  }

  /** Stops waiting for `runId`'s recovery: a corrupted run's path after the kill is the corruption's. */
  forget(runId: string): void {
    this.pending = this.pending.filter((item) => item.runId !== runId);
  }

  /** Resolves what has recovered since the last poll. */
  async poll(): Promise<void> {
    const still: PendingRecovery[] = [];
    for (const item of this.pending) {
      const steps = await this.store.checkpoints.list(item.runId);
      const ended = steps
        .map((s) => s.endedAt)
        .filter((t): t is number => t !== null && t > item.killedAt)
        .sort((a, b) => a - b)[0];
      const run = ended === undefined ? await this.store.runs.get(item.runId) : null;
      const at = ended ?? (run?.finishedAt != null && run.finishedAt > item.killedAt ? run.finishedAt : undefined);
      if (at === undefined) still.push(item);
      else this.times.push(at - item.killedAt);
    }
    this.pending = still;
  }

  /** Runs whose recovery was never seen (they ended in a way that committed nothing after the kill). */
  get unrecovered(): number {
    return this.pending.length;
  }
}
