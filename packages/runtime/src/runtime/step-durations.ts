import type { Clock } from '../core/clock.js';
import type { SignalStore } from '../store/signal-store.js';

/** Expected duration (ms) of each step name of one workflow version; empty without history. */
export type StepEstimates = ReadonlyMap<string, number>;

export interface StepDurationOptions {
  /** Completed executions of a step name its median is taken over. Default 20. */
  samples?: number;
  /** The newest runs of the version looked at. Default 100. */
  runs?: number;
  /** How long one version's estimates are reused in this process. Default 30 s. */
  ttlMs?: number;
}

/**
 * Historical step durations per workflow version, for progress ETAs: the median of the last
 * `samples` executions of each step name that finished with a value (completed, degraded or
 * escalated, so an escalated step's time includes the person's), among the newest `runs` runs
 * of that version. One store query per version per `ttlMs`, cached in this process; a stale
 * estimate costs accuracy, never correctness.
 */
export class StepDurationHistory {
  private readonly cache = new Map<string, { at: number; estimates: Promise<StepEstimates> }>();
  private readonly samples: number;
  private readonly runs: number;
  private readonly ttlMs: number;

  constructor(
    private readonly deps: { signals: SignalStore; clock: Clock },
    options: StepDurationOptions = {},
  ) {
    this.samples = options.samples ?? 20;
    this.runs = options.runs ?? 100;
    this.ttlMs = options.ttlMs ?? 30_000;
  }

  estimates(workflow: string, version: number): Promise<StepEstimates> {
    const key = `${workflow}@${version}`;
    const now = this.deps.clock.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.at < this.ttlMs) return cached.estimates;
    const estimates = this.load(workflow, version);
    this.cache.set(key, { at: now, estimates });
    // A failed load is not cached: the next call asks the store again.
    estimates.catch(() => this.cache.delete(key));
    return estimates;
  }

  private async load(workflow: string, version: number): Promise<StepEstimates> {
    const rows = await this.deps.signals.stepDurations(workflow, version, this.runs);
    const byName = new Map<string, number[]>();
    for (const row of rows) {
      const list = byName.get(row.name) ?? [];
      if (list.length < this.samples) list.push(Math.max(0, row.durationMs));
      byName.set(row.name, list);
    }
    return new Map([...byName].map(([name, durations]) => [name, median(durations)]));
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
