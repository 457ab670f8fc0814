// Benchmark 4: trigger → first step. One process, an idle in-process worker; runs are started
// one after another (the previous run completes, then a short gap), and each is timed from just
// before `start()` to the moment its first step's body begins. The baseline is the latency of
// one raw durable commit, measured in the same fresh directory at the start of each round.
import { setTimeout as delay } from 'node:timers/promises';

import { defineWorkflow, type Vigil } from 'vigil';
import { z } from 'zod';

import { isMain, runAsScript } from './child-process.js';
import { performance } from './clock.js';
import { measureRawCommits } from './raw-sqlite.js';
import { measureRounds, median, percentile, type Rounds } from './stats.js';
import { withFreshDir } from './temp-dir.js';
import { openVigil } from './vigil-instance.js';
import { stepResult } from './workflows.js';

export const DEFAULTS = { rounds: 5, warmupRuns: 30, runs: 300, gapMs: 5, rawCommits: 2000 };
export type TriggerOptions = typeof DEFAULTS;

export interface TriggerRound {
  runs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Where the time goes, p50 from just before `start()`: the queued run committed (`run.created`)… */
  createdP50Ms: number;
  /** … and the worker's claim committed (`run.claimed`); the "started" row commits after that. */
  claimedP50Ms: number;
  createdP95Ms: number;
  claimedP95Ms: number;
  rawP50Ms: number;
  rawP95Ms: number;
  ratioP95ToRawP95: number;
}

export type TriggerResult = Rounds<TriggerOptions, TriggerRound>;

/** When each run's first step body began (performance.now()), by the run's input key. */
const firstStepAt = new Map<string, number>();

const triggered = defineWorkflow(
  { name: 'bench.trigger', version: 1, input: z.object({ key: z.string() }) },
  async (ctx, input) => {
    await ctx.step('first', () => {
      firstStepAt.set(input.key, performance.now());
      return stepResult(0, 1);
    });
    return await ctx.step('second', () => stepResult(0, 2));
  },
);

interface Timeline {
  latencyMs: number;
  createdMs: number;
  claimedMs: number;
}

/** When each run was created and claimed (performance.now()), by run id, from the runtime's events. */
function recordEvents(vigil: Vigil): Map<string, { created?: number; claimed?: number }> {
  const times = new Map<string, { created?: number; claimed?: number }>();
  const entry = (runId: string) => times.get(runId) ?? times.set(runId, {}).get(runId)!;
  vigil.events.on('run.created', ({ runId }) => (entry(runId).created = performance.now()));
  vigil.events.on('run.claimed', ({ runId }) => (entry(runId).claimed = performance.now()));
  return times;
}

async function trigger(vigil: Vigil, events: ReturnType<typeof recordEvents>, key: string): Promise<Timeline> {
  const before = performance.now();
  const { id } = await vigil.start(triggered, { key });
  await vigil.result(id);
  const firstStep = firstStepAt.get(key);
  const { created, claimed } = events.get(id) ?? {};
  if (firstStep === undefined || created === undefined || claimed === undefined) {
    throw new Error(`run ${id} completed without recording when it was created, claimed and first stepped`);
  }
  events.delete(id);
  return { latencyMs: firstStep - before, createdMs: created - before, claimedMs: claimed - before };
}

async function measureRound(dir: string, round: number, options: TriggerOptions): Promise<TriggerRound> {
  const { warmupRuns, runs, gapMs, rawCommits } = options;
  const raw = measureRawCommits(dir, { warmup: 200, commits: rawCommits });
  const vigil = await openVigil(dir, [triggered], {});
  try {
    const events = recordEvents(vigil);
    for (let i = 0; i < warmupRuns; i++) await trigger(vigil, events, `warmup-${round}-${i}`);
    const timelines: Timeline[] = [];
    for (let i = 0; i < runs; i++) {
      await delay(gapMs);
      timelines.push(await trigger(vigil, events, `run-${round}-${i}`));
    }
    const latencies = timelines.map((t) => t.latencyMs);
    const p95Ms = percentile(latencies, 95);
    return {
      runs,
      p50Ms: median(latencies),
      p95Ms,
      p99Ms: percentile(latencies, 99),
      maxMs: Math.max(...latencies),
      createdP50Ms: median(timelines.map((t) => t.createdMs)),
      claimedP50Ms: median(timelines.map((t) => t.claimedMs)),
      createdP95Ms: percentile(
        timelines.map((t) => t.createdMs),
        95,
      ),
      claimedP95Ms: percentile(
        timelines.map((t) => t.claimedMs),
        95,
      ),
      rawP50Ms: raw.p50Ms,
      rawP95Ms: raw.p95Ms,
      ratioP95ToRawP95: p95Ms / raw.p95Ms,
    };
  } finally {
    await vigil.close();
  }
}

export async function run(options: TriggerOptions): Promise<TriggerResult> {
  const measured = await measureRounds(options.rounds, (round) =>
    withFreshDir('trigger', (dir) => measureRound(dir, round, options)),
  );
  return { options, ...measured };
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
