// Benchmark 11: what observability costs. The same 10-step workflow (each step logs one line)
// runs under five settings, each on a fresh SQLite file in the same round: everything off
// (no metrics subscription, tracing off, step logs off), then each feature alone: metrics (the
// event-fed counters, scraped once at the end), tracing (an SDK tracer provider with a span
// processor exporting to memory), step logs (stored), and all three together. The audit trail
// is off in every setting, so the differences are observability's alone. Each setting is
// measured twice: per-step overhead at concurrency 1, and throughput at concurrency 16.
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

export const DEFAULTS = { rounds: 3, sequentialRuns: 100, concurrentRuns: 500, warmupRuns: 30, concurrency: 16 };
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
  [K in `${Setting}MsPerStep` | `${Setting}WorkflowsPerSec`]: number;
} & {
  [K in `${Exclude<Setting, 'off'>}StepRatio` | `${Exclude<Setting, 'off'>}ThroughputRatio`]: number;
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

async function measureSetting(
  root: string,
  setting: Setting,
  o: ObservabilityOptions,
): Promise<SettingFigures & { scrapeMs: number; spansPerRun: number }> {
  const sequential = join(root, `${setting}-1`);
  const concurrent = join(root, `${setting}-${o.concurrency}`);
  mkdirSync(sequential);
  mkdirSync(concurrent);

  const one = open(sequential, setting, 1);
  let msPerStep: number;
  let spansPerRun = 0;
  try {
    await one.vigil.ready();
    await runSequentially(one.vigil, 0, o.warmupRuns);
    one.spans.reset();
    const start = performance.now();
    await runSequentially(one.vigil, o.warmupRuns, o.sequentialRuns);
    msPerStep = (performance.now() - start) / (o.sequentialRuns * STEPS_PER_WORKFLOW);
    spansPerRun = one.spans.getFinishedSpans().length / o.sequentialRuns;
  } finally {
    await one.vigil.close();
  }

  const many = open(concurrent, setting, o.concurrency);
  let workflowsPerSec: number;
  let scrapeMs = 0;
  try {
    await many.vigil.ready();
    const completed = completedInSqlite(concurrent);
    await startAndComplete(many.vigil, completed, loggingSteps, o.warmupRuns, (i) => ({ run: i }));
    const start = performance.now();
    await startAndComplete(many.vigil, completed, loggingSteps, o.concurrentRuns, (i) => ({ run: o.warmupRuns + i }));
    workflowsPerSec = o.concurrentRuns / ((performance.now() - start) / 1000);
    if (setting === 'metrics' || setting === 'all') {
      const t0 = performance.now();
      const text = await many.vigil.metrics.scrape();
      scrapeMs = performance.now() - t0;
      if (!text.includes('vigil_step_duration_seconds_count')) throw new Error('the scrape lacks the step histogram');
    }
  } finally {
    await many.vigil.close();
  }
  return { msPerStep, workflowsPerSec, scrapeMs, spansPerRun };
}

async function measureRound(root: string, o: ObservabilityOptions, round: number): Promise<ObservabilityRound> {
  const figures = {} as Record<string, number>;
  // A different order each round, so no setting always runs first (on a cold disk cache) or last.
  const order = SETTINGS.map((_, i) => SETTINGS[(i + round) % SETTINGS.length]!);
  for (const setting of order) {
    const f = await measureSetting(root, setting, o);
    figures[`${setting}MsPerStep`] = f.msPerStep;
    figures[`${setting}WorkflowsPerSec`] = f.workflowsPerSec;
    if (setting === 'metrics') figures['scrapeMs'] = f.scrapeMs;
    if (setting === 'tracing') figures['spansPerRun'] = f.spansPerRun;
  }
  for (const setting of SETTINGS) {
    if (setting === 'off') continue;
    figures[`${setting}StepRatio`] = figures[`${setting}MsPerStep`]! / figures['offMsPerStep']!;
    figures[`${setting}ThroughputRatio`] = figures[`${setting}WorkflowsPerSec`]! / figures['offWorkflowsPerSec']!;
  }
  return figures as ObservabilityRound;
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
