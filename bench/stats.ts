// Small statistics helpers: every reported figure is the median of its rounds.

/** What a benchmark reports: its options, every round, and the per-field medians of the rounds. */
export interface Rounds<Options, Round> {
  options: Options;
  rounds: Round[];
  median: Round;
}

/** A round's figures: numbers only, so each has a median. */
export type Figures<T> = { [K in keyof T]: number };

export function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The p-th percentile (0–100) by linear interpolation between closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = sorted[Math.floor(rank)]!;
  const high = sorted[Math.ceil(rank)]!;
  return low + (high - low) * (rank - Math.floor(rank));
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** For each field of the round results, the median across rounds. */
export function medianOfRounds<T extends Figures<T>>(rounds: readonly T[]): T {
  const out: Record<string, number> = {};
  for (const key of Object.keys(rounds[0] ?? {})) {
    out[key] = median(rounds.map((round) => (round as Record<string, number>)[key]!));
  }
  return out as T;
}

/** Runs `measure` for rounds 0 … count-1, one after another. */
export async function measureRounds<T extends Figures<T>>(
  count: number,
  measure: (round: number) => Promise<T> | T,
): Promise<{ rounds: T[]; median: T }> {
  const rounds: T[] = [];
  for (let round = 0; round < count; round++) rounds.push(await measure(round));
  return { rounds, median: medianOfRounds(rounds) };
}
