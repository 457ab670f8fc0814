// Benchmark 2: per-step overhead at concurrency 1. Ten-step runs, one at a time, through an
// in-process worker with concurrency 1: start a run, await its result, start the next. Each
// round first measures raw commits in the same fresh directory, so every ratio is paired.
import { type Vigil } from 'vigil';

import { isMain, runAsScript } from './child-process.js';
import { performance } from './clock.js';
import { measureRawCommits } from './raw-sqlite.js';
import { measureRounds, type Rounds } from './stats.js';
import { withFreshDir } from './temp-dir.js';
import { openVigil, storeStats } from './vigil-instance.js';
import { STEPS_PER_WORKFLOW, tenSteps } from './workflows.js';

export const DEFAULTS = { rounds: 5, warmupRuns: 30, runs: 200, rawCommits: 2000 };
export type StepOverheadOptions = typeof DEFAULTS;

export interface StepOverheadRound {
  runs: number;
  wallMs: number;
  msPerStep: number;
  msPerRun: number;
  rawMsPerCommit: number;
  ratioToRawCommit: number;
  /** What the store did per run: transactions (one fsync each) and the writes they carried. */
  transactionsPerRun: number;
  writesPerRun: number;
}

export type StepOverheadResult = Rounds<StepOverheadOptions, StepOverheadRound>;

async function runSequentially(vigil: Vigil, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const { id } = await vigil.start(tenSteps, { run: i });
    await vigil.result(id);
  }
}

async function measureRound(dir: string, options: StepOverheadOptions): Promise<StepOverheadRound> {
  const { warmupRuns, runs, rawCommits } = options;
  const raw = measureRawCommits(dir, { warmup: 200, commits: rawCommits });
  const vigil = await openVigil(dir, [tenSteps], { concurrency: 1 });
  try {
    await runSequentially(vigil, 0, warmupRuns);
    const before = storeStats(vigil);
    const start = performance.now();
    await runSequentially(vigil, warmupRuns, runs);
    const wallMs = performance.now() - start;
    const after = storeStats(vigil);
    const msPerStep = wallMs / (runs * STEPS_PER_WORKFLOW);
    return {
      runs,
      wallMs,
      msPerStep,
      msPerRun: wallMs / runs,
      rawMsPerCommit: raw.msPerCommit,
      ratioToRawCommit: msPerStep / raw.msPerCommit,
      transactionsPerRun: (after.transactions - before.transactions) / runs,
      writesPerRun: (after.writes - before.writes) / runs,
    };
  } finally {
    await vigil.close();
  }
}

export async function run(options: StepOverheadOptions): Promise<StepOverheadResult> {
  return {
    options,
    ...(await measureRounds(options.rounds, () => withFreshDir('step', (dir) => measureRound(dir, options)))),
  };
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
