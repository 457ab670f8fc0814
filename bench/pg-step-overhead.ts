// Benchmark 8: per-step overhead at concurrency 1 on PostgreSQL. The method of step-overhead.ts
// (ten-step runs one at a time through an in-process worker with concurrency 1) on a fresh
// schema per round, next to raw pg commits measured in the same round, on the same server. The
// statements Vigil sends (one round trip each) are counted as they leave the pool.
import { type Vigil } from 'vigil';

import { isMain, runAsScript } from './child-process.js';
import { performance } from './clock.js';
import { countPoolQueries, statementCounts, statementsPerRun, type StatementsPerRun } from './pg-query-counter.js';
import { openPgVigil } from './pg-instance.js';
import { withFreshSchema, withPostgres, type Schema } from './postgres-server.js';
import { measureRawPgCommits } from './raw-postgres.js';
import { cpuWindow, type CpuFigures } from './process-cpu.js';
import { measureRounds, type Rounds } from './stats.js';
import { STEPS_PER_WORKFLOW, tenSteps } from './workflows.js';

export const DEFAULTS = { rounds: 5, warmupRuns: 30, runs: 200, rawCommits: 2000 };
export type PgStepOverheadOptions = typeof DEFAULTS;

export type PgStepOverheadRound = {
  runs: number;
  wallMs: number;
  msPerStep: number;
  msPerRun: number;
  rawMsPerCommit: number;
  ratioToRawCommit: number;
  /** `SELECT 1` on the raw connection: one round trip without a commit. */
  rawSelectMs: number;
} & StatementsPerRun &
  CpuFigures;

export type PgStepOverheadResult = Rounds<PgStepOverheadOptions, PgStepOverheadRound>;

async function runSequentially(vigil: Vigil, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const { id } = await vigil.start(tenSteps, { run: i });
    await vigil.result(id);
  }
}

async function measureRound(schema: Schema, options: PgStepOverheadOptions): Promise<PgStepOverheadRound> {
  const { warmupRuns, runs, rawCommits } = options;
  const raw = await measureRawPgCommits(schema, { warmup: 200, commits: rawCommits });
  const vigil = await openPgVigil(schema, [tenSteps], { concurrency: 1 });
  try {
    await runSequentially(vigil, 0, warmupRuns);
    const before = statementCounts();
    const cpu = cpuWindow(schema.server.cpuMs);
    const start = performance.now();
    await runSequentially(vigil, warmupRuns, runs);
    const wallMs = performance.now() - start;
    const statements = statementsPerRun(before, statementCounts(), runs, STEPS_PER_WORKFLOW);
    const msPerStep = wallMs / (runs * STEPS_PER_WORKFLOW);
    return {
      runs,
      wallMs,
      msPerStep,
      msPerRun: wallMs / runs,
      rawMsPerCommit: raw.msPerCommit,
      ratioToRawCommit: msPerStep / raw.msPerCommit,
      rawSelectMs: raw.selectMeanMs,
      ...statements,
      ...cpu(runs * STEPS_PER_WORKFLOW, wallMs),
    };
  } finally {
    await vigil.close();
  }
}

export async function run(options: PgStepOverheadOptions): Promise<PgStepOverheadResult> {
  countPoolQueries();
  return await withPostgres(async (server) => ({
    options,
    ...(await measureRounds(options.rounds, () =>
      withFreshSchema(server, 'step', (schema) => measureRound(schema, options)),
    )),
  }));
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
