import type { Store } from '../../store/store.js';

interface PendingRecovery {
  runId: string;
  killedAt: number;
}

/**
 * Recovery times after kills: for each run a killed worker held, the time from the kill to the
 * start of the first step attempt another worker made for it (or the run's end, if no step was
 * left): how long the run stood still, not how long its next step then took.
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

  /**
   * Resolves what has recovered since the last poll. A step's row holds its last attempt's start
   * and `step_attempts` the earlier ones', so the earliest start after the kill among both is
   * when another worker resumed the run.
   */
  async poll(): Promise<void> {
    const still: PendingRecovery[] = [];
    for (const item of this.pending) {
      const [steps, attempts] = await Promise.all([
        this.store.checkpoints.list(item.runId),
        this.store.checkpoints.attempts(item.runId),
      ]);
      const resumed = [...steps, ...attempts]
        .map((s) => s.startedAt)
        .filter((t) => t > item.killedAt)
        .sort((a, b) => a - b)[0];
      const run = resumed === undefined ? await this.store.runs.get(item.runId) : null;
      const at = resumed ?? (run?.finishedAt != null && run.finishedAt > item.killedAt ? run.finishedAt : undefined);
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
