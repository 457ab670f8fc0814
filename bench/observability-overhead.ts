// Benchmark 11: what observability costs. The same 10-step workflow (each step logs one line)
// runs under five settings, each on a fresh SQLite file in the same round: everything off
// (no metrics subscription, tracing off, step logs off), then each feature alone: metrics (the
// event-fed counters, scraped once at the end), tracing (an SDK tracer provider with a span
// processor exporting to memory), step logs (stored), and all three together. The audit trail
// is off in every setting, so the differences are observability's alone. Each setting is
// measured twice: per-step overhead at concurrency 1, and throughput at concurrency 16, in
// blocks that the settings take in turns.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createVigil, defineWorkflow, type Vigil, type VigilOptions } from 'vigil';
import { z } from 'zod';

import { isMain, runAsScript } from './child-process.js';
import { performance } from './clock.js';
import { measureRounds, type Rounds } from './stats.js';
import { withFreshDir } from './temp-dir.js';
import { completedInSqlite, databasePath, startAndComplete } from './vigil-instance.js';
import { STEPS_PER_WORKFLOW, stepResult } from './workflows.js';

export const DEFAULTS = {
  rounds: 3,
  /** Each setting's runs are cut into this many blocks, which the settings take in turns. */
  blocks: 5,
  sequentialRuns: 100,
  concurrentRuns: 500,
  warmupRuns: 30,
  concurrency: 16,
};
export type ObservabilityOptions = typeof DEFAULTS;

export const SETTINGS = ['off', 'metrics', 'tracing', 'stepLogs', 'all'] as const;
export type Setting = (typeof SETTINGS)[number];

/** The workflow every setting runs: ten steps, each logging one line. */
const loggingSteps = defineWorkflow(
  { name: 'bench.logging-steps', version: 1, input: z.object({ run: z.number().int() }) },
  async (ctx, input) => {
    let last = stepResult(input.run, 0);
    for (let step = 1; step <= STEPS_PER_WORKFLOW; step++) {
      last = await ctx.step(`step-${step}`, ({ log }) => {
        log.info('checked', { run: input.run, step });
        return stepResult(input.run, step);
      });
    }
    return { run: input.run, steps: last.step };
  },
);

/** One setting's figures in one round. */
export interface SettingFigures {
  msPerStep: number;
  workflowsPerSec: number;
}

/** A round: each setting's figures, and each one's ratio to `off` measured in the same round. */
export type ObservabilityRound = {
  [K in `${Setting}MsPerStep` | `${Setting}WorkflowsPerSec` | `${Setting}CpuUsPerStep`]: number;
} & {
  [
    K in
      | `${Exclude<Setting, 'off'>}StepRatio`
      | `${Exclude<Setting, 'off'>}ThroughputRatio`
      | `${Exclude<Setting, 'off'>}CpuRatio`
  ]: number;
} & {
  /** One scrape of the metrics registry after the metrics setting's runs, ms. */
  scrapeMs: number;
  /** Spans the in-memory exporter held after the tracing setting's sequential runs, per run. */
  spansPerRun: number;
};

export type ObservabilityResult = Rounds<ObservabilityOptions, ObservabilityRound>;

function open(dir: string, setting: Setting, concurrency: number): { vigil: Vigil; spans: InMemorySpanExporter } {
  const spans = new InMemorySpanExporter();
  const traced = setting === 'tracing' || setting === 'all';
  const options: VigilOptions = {
    database: databasePath(dir),
    workflows: [loggingSteps],
    worker: { concurrency },
    audit: false,
    tracing: traced
      ? { tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }) }
      : false,
    ...(setting === 'stepLogs' || setting === 'all' ? {} : { stepLogs: false as const }),
  };
  const vigil = createVigil(options);
  // The counters are subscribed with every instance: "off" unsubscribes them.
  if (setting !== 'metrics' && setting !== 'all') vigil.metrics.close();
  return { vigil, spans };
}

async function runSequentially(vigil: Vigil, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const { id } = await vigil.start(loggingSteps, { run: i });
    await vigil.result(id);
  }
}

/** One setting's two instances: concurrency 1 and concurrency `o.concurrency`, on files of their own. */
interface Pair {
  setting: Setting;
  one: ReturnType<typeof open>;
  many: ReturnType<typeof open>;
  completed: ReturnType<typeof completedInSqlite>;
  sequentialMs: number;
  concurrentMs: number;
  /** CPU time (user + system) of this process during the setting's blocks, ms. */
  cpuMs: number;
  next: number;
}

async function openPair(root: string, setting: Setting, o: ObservabilityOptions): Promise<Pair> {
  const sequential = join(root, `${setting}-1`);
  const concurrent = join(root, `${setting}-${o.concurrency}`);
  mkdirSync(sequential);
  mkdirSync(concurrent);
  const pair: Pair = {
    setting,
    one: open(sequential, setting, 1),
    many: open(concurrent, setting, o.concurrency),
    completed: completedInSqlite(concurrent),
    sequentialMs: 0,
    concurrentMs: 0,
    cpuMs: 0,
    next: 0,
  };
  await Promise.all([pair.one.vigil.ready(), pair.many.vigil.ready()]);
  await runSequentially(pair.one.vigil, 0, o.warmupRuns);
  await startAndComplete(pair.many.vigil, pair.completed, loggingSteps, o.warmupRuns, (i) => ({ run: i }));
  pair.one.spans.reset();
  pair.next = o.warmupRuns;
  return pair;
}

/** One block of a setting: a share of its sequential runs, then a share of its concurrent ones. */
async function runBlock(pair: Pair, o: ObservabilityOptions): Promise<void> {
  const sequential = o.sequentialRuns / o.blocks;
  const concurrent = o.concurrentRuns / o.blocks;
  const from = pair.next;
  pair.next += Math.max(sequential, concurrent);
  const cpu = process.cpuUsage();
  let start = performance.now();
  await runSequentially(pair.one.vigil, from, sequential);
  pair.sequentialMs += performance.now() - start;
  start = performance.now();
  await startAndComplete(pair.many.vigil, pair.completed, loggingSteps, concurrent, (i) => ({ run: from + i }));
  pair.concurrentMs += performance.now() - start;
  const used = process.cpuUsage(cpu);
  pair.cpuMs += (used.user + used.system) / 1000;
}

/**
 * All settings' instances are open at once and take turns a block at a time (in a rotated
 * order), so load from elsewhere on the machine falls on every setting alike: on a shared
 * machine a setting measured minutes after another would meet other load.
 */
async function measureRound(root: string, o: ObservabilityOptions, round: number): Promise<ObservabilityRound> {
  const pairs: Pair[] = [];
  try {
    for (const setting of SETTINGS) pairs.push(await openPair(root, setting, o));
    for (let block = 0; block < o.blocks; block++) {
      for (let i = 0; i < pairs.length; i++) await runBlock(pairs[(i + block + round) % pairs.length]!, o);
    }
    const figures = {} as Record<string, number>;
    for (const pair of pairs) {
      figures[`${pair.setting}MsPerStep`] = pair.sequentialMs / (o.sequentialRuns * STEPS_PER_WORKFLOW);
      figures[`${pair.setting}WorkflowsPerSec`] = o.concurrentRuns / (pair.concurrentMs / 1000);
      const steps = (o.sequentialRuns + o.concurrentRuns) * STEPS_PER_WORKFLOW;
      figures[`${pair.setting}CpuUsPerStep`] = (pair.cpuMs * 1000) / steps;
    }
    const metrics = pairs.find((p) => p.setting === 'metrics')!;
    const t0 = performance.now();
    const text = await metrics.many.vigil.metrics.scrape();
    figures['scrapeMs'] = performance.now() - t0;
    if (!text.includes('vigil_step_duration_seconds_count')) throw new Error('the scrape lacks the step histogram');
    const tracing = pairs.find((p) => p.setting === 'tracing')!;
    figures['spansPerRun'] = tracing.one.spans.getFinishedSpans().length / o.sequentialRuns;
    for (const setting of SETTINGS) {
      if (setting === 'off') continue;
      figures[`${setting}StepRatio`] = figures[`${setting}MsPerStep`]! / figures['offMsPerStep']!;
      figures[`${setting}ThroughputRatio`] = figures[`${setting}WorkflowsPerSec`]! / figures['offWorkflowsPerSec']!;
      figures[`${setting}CpuRatio`] = figures[`${setting}CpuUsPerStep`]! / figures['offCpuUsPerStep']!;
    }
    return figures as ObservabilityRound;
  } finally {
    for (const pair of pairs) await Promise.all([pair.one.vigil.close(), pair.many.vigil.close()]);
  }
}

export async function run(options: ObservabilityOptions): Promise<ObservabilityResult> {
  return {
    options,
    ...(await measureRounds(options.rounds, (round) =>
      withFreshDir('observability', (dir) => measureRound(dir, options, round)),
    )),
  };
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
