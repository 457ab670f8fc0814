// Benchmark 9: throughput at concurrency 16 on PostgreSQL. The method of throughput.ts (the
// worker runs before the clock starts; all runs are started at once and the clock stops when the
// last has completed) with the store's default pool of 10 connections, on a fresh schema per
// round, next to the raw one-commit-per-step ceiling measured in the same round.
import { isMain, runAsScript } from './child-process.js';
import { performance } from './clock.js';
import { countPoolQueries, statementCounts, statementsPerRun, type StatementsPerRun } from './pg-query-counter.js';
import { openPgVigil, withCompletedCounter } from './pg-instance.js';
import { withFreshSchema, withPostgres, type Schema } from './postgres-server.js';
import { measureRawPgCommits } from './raw-postgres.js';
import { cpuWindow, type CpuFigures } from './process-cpu.js';
import { measureRounds, type Rounds } from './stats.js';
import { startAndComplete } from './vigil-instance.js';
import { STEPS_PER_WORKFLOW, tenSteps } from './workflows.js';

export const DEFAULTS = { rounds: 5, concurrency: 16, warmupRuns: 200, runs: 2000, rawCommits: 2000 };
export type PgThroughputOptions = typeof DEFAULTS;

export type PgThroughputRound = {
  runs: number;
  wallMs: number;
  workflowsPerSec: number;
  stepsPerSec: number;
  rawWorkflowsPerSec: number;
  ratioToRawCeiling: number;
  /** Should be 0: `lease.lost` events, and runs completed in the store without a `run.completed` event. */
  leasesLost: number;
  missingCompletionEvents: number;
} & StatementsPerRun &
  CpuFigures;

export type PgThroughputResult = Rounds<PgThroughputOptions, PgThroughputRound>;

async function measureRound(schema: Schema, options: PgThroughputOptions): Promise<PgThroughputRound> {
  const { concurrency, warmupRuns, runs, rawCommits } = options;
  const raw = await measureRawPgCommits(schema, { warmup: 200, commits: rawCommits });
  const vigil = await openPgVigil(schema, [tenSteps], { concurrency });
  try {
    return await withCompletedCounter(schema, async (completed) => {
      await startAndComplete(vigil, completed, tenSteps, warmupRuns, (i) => ({ run: i }));
      const before = statementCounts();
      const cpu = cpuWindow(schema.server.cpuMs);
      const start = performance.now();
      const anomalies = await startAndComplete(vigil, completed, tenSteps, runs, (i) => ({ run: warmupRuns + i }));
      const wallMs = performance.now() - start;
      const workflowsPerSec = (runs * 1000) / wallMs;
      return {
        runs,
        wallMs,
        workflowsPerSec,
        stepsPerSec: workflowsPerSec * STEPS_PER_WORKFLOW,
        rawWorkflowsPerSec: raw.workflowsPerSec,
        ratioToRawCeiling: workflowsPerSec / raw.workflowsPerSec,
        ...anomalies,
        ...statementsPerRun(before, statementCounts(), runs, STEPS_PER_WORKFLOW),
        ...cpu(runs * STEPS_PER_WORKFLOW, wallMs),
      };
    });
  } finally {
    await vigil.close();
  }
}

export async function run(options: PgThroughputOptions): Promise<PgThroughputResult> {
  countPoolQueries();
  return await withPostgres(async (server) => ({
    options,
    ...(await measureRounds(options.rounds, () =>
      withFreshSchema(server, 'throughput', (schema) => measureRound(schema, options)),
    )),
  }));
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
