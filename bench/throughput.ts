// Benchmark 3: throughput at concurrency 16. The worker is running before the clock starts;
// then all runs are started at once (concurrently with their execution) and the clock stops
// when the last one has completed. Each round first measures the raw one-commit-per-step
// ceiling in the same fresh directory, and ends with the same runs on an instance without the
// audit trail, to show what recording it costs.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { isMain, runAsScript } from './child-process.js';
import { performance } from './clock.js';
import { measureRawCommits } from './raw-sqlite.js';
import { measureRounds, type Rounds } from './stats.js';
import { withFreshDir } from './temp-dir.js';
import { completedInSqlite, openVigil, startAndComplete, storeStats } from './vigil-instance.js';
import { STEPS_PER_WORKFLOW, tenSteps } from './workflows.js';

export const DEFAULTS = { rounds: 5, concurrency: 16, warmupRuns: 200, runs: 2000, rawCommits: 2000 };
export type ThroughputOptions = typeof DEFAULTS;

export interface ThroughputRound {
  runs: number;
  wallMs: number;
  workflowsPerSec: number;
  stepsPerSec: number;
  rawWorkflowsPerSec: number;
  ratioToRawCeiling: number;
  transactionsPerRun: number;
  writesPerTransaction: number;
  /** The same runs on an instance with `audit: false`, and the share of throughput the trail costs. */
  auditOffWorkflowsPerSec: number;
  auditCost: number;
  /** Should be 0: `lease.lost` events, and runs completed in the store without a `run.completed` event. */
  leasesLost: number;
  missingCompletionEvents: number;
}

export type ThroughputResult = Rounds<ThroughputOptions, ThroughputRound>;

async function measureRound(dir: string, options: ThroughputOptions): Promise<ThroughputRound> {
  const { runs, rawCommits } = options;
  const raw = measureRawCommits(dir, { warmup: 200, commits: rawCommits });
  const measured = await measureVigil(dir, options);
  const offDir = join(dir, 'audit-off');
  mkdirSync(offDir);
  const off = await measureVigil(offDir, options, { audit: false });
  const { workflowsPerSec, wallMs, transactions, writes, anomalies } = measured;
  return {
    runs,
    wallMs,
    workflowsPerSec,
    stepsPerSec: workflowsPerSec * STEPS_PER_WORKFLOW,
    rawWorkflowsPerSec: raw.workflowsPerSec,
    ratioToRawCeiling: workflowsPerSec / raw.workflowsPerSec,
    transactionsPerRun: transactions / runs,
    writesPerTransaction: writes / transactions,
    auditOffWorkflowsPerSec: off.workflowsPerSec,
    auditCost: 1 - workflowsPerSec / off.workflowsPerSec,
    ...anomalies,
  };
}

async function measureVigil(dir: string, options: ThroughputOptions, extra: { audit?: false } = {}) {
  const { concurrency, warmupRuns, runs } = options;
  const vigil = await openVigil(dir, [tenSteps], { concurrency }, extra);
  try {
    await startAndComplete(vigil, completedInSqlite(dir), tenSteps, warmupRuns, (i) => ({ run: i }));
    const before = storeStats(vigil);
    const start = performance.now();
    const anomalies = await startAndComplete(vigil, completedInSqlite(dir), tenSteps, runs, (i) => ({
      run: warmupRuns + i,
    }));
    const wallMs = performance.now() - start;
    const after = storeStats(vigil);
    return {
      wallMs,
      workflowsPerSec: (runs * 1000) / wallMs,
      transactions: after.transactions - before.transactions,
      writes: after.writes - before.writes,
      anomalies,
    };
  } finally {
    await vigil.close();
  }
}

export async function run(options: ThroughputOptions): Promise<ThroughputResult> {
  const measured = await measureRounds(options.rounds, () =>
    withFreshDir('throughput', (dir) => measureRound(dir, options)),
  );
  return { options, ...measured };
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
