// One system in a process of its own, so the memory it reports is its own: measures what the work
// alone costs, notes the process's memory, loads and opens the system, then runs warm-up
// workflows, `sequentialRuns` workflows one at a time (per-step overhead) and `throughputRuns`
// workflows with `concurrency` in flight (throughput), sampling RSS throughout. It ends by
// checking every workflow's result and counting what the system's own records show.
// Run with --expose-gc so heap figures are taken after a full collection.
import { performance } from '../clock.js';
import { isMain, runAsScript } from '../child-process.js';
import type { OpenAdapter, PeerAdapter, RecordedWork, SystemName } from './adapter.js';
import { expectedFinal, measureWorkMsPerStep, STEPS } from './work.js';

export const DEFAULTS = {
  system: 'vigil-sqlite' as SystemName,
  dir: '',
  databaseUrl: '',
  concurrency: 16,
  warmupRuns: 50,
  sequentialRuns: 100,
  throughputRuns: 500,
  /** Workflows' worth of work timed alone, to subtract from the time per step. */
  workWorkflows: 20_000,
};
export type PeerProcessOptions = typeof DEFAULTS;

export interface PeerProcessResult {
  system: SystemName;
  durability: string;
  workMsPerStep: number;
  /** Sequential: wall time per step, and that minus the work. */
  msPerStep: number;
  overheadMsPerStep: number;
  /** `concurrency` workflows in flight. */
  workflowsPerSec: number;
  /** Process memory before the system was loaded, and what it added (RSS at its peak; heap after a full GC). */
  baselineRssMb: number;
  rssDeltaMb: number;
  heapDeltaMb: number;
  /** What loading and opening the system added, before any workflow ran (RSS; heap after a full GC). */
  openRssDeltaMb: number;
  openHeapDeltaMb: number;
  /** Workflows whose last value was not the ten-step digest (must be 0). */
  wrongResults: number;
  workflowsRun: number;
  recorded: RecordedWork;
}

const MB = 2 ** 20;

/** The adapters, loaded only in the process that runs them. */
export const OPENERS: Record<SystemName, () => Promise<OpenAdapter>> = {
  'vigil-sqlite': async () => (await import('./vigil-adapter.js')).openVigilSqlite,
  'vigil-postgres': async () => (await import('./vigil-adapter.js')).openVigilPostgres,
  dbos: async () => (await import('./dbos-adapter.js')).openDbos,
  langgraph: async () => (await import('./langgraph-adapter.js')).openLangGraph,
  'pg-boss': async () => (await import('./pgboss-adapter.js')).openPgBoss,
};

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs workflows `from` … `from + count - 1` with `inFlight` at a time; returns how many ended wrong. */
export async function runWorkflows(adapter: PeerAdapter, from: number, count: number, inFlight: number) {
  let next = from;
  let wrong = 0;
  const lane = async (): Promise<void> => {
    while (next < from + count) {
      const run = next++;
      if ((await adapter.runWorkflow(run)) !== expectedFinal(run)) wrong++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
  return wrong;
}

/** What the records show once they reach `workflows` finished workflows (some systems commit the last write after returning). */
async function settledRecords(adapter: PeerAdapter, workflows: number): Promise<RecordedWork> {
  const deadline = performance.now() + 5000;
  for (;;) {
    const recorded = await adapter.recorded();
    if (recorded.workflows >= workflows || performance.now() > deadline) return recorded;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function run(options: PeerProcessOptions): Promise<PeerProcessResult> {
  const { system, concurrency, warmupRuns, sequentialRuns, throughputRuns } = options;
  const workMsPerStep = measureWorkMsPerStep(options.workWorkflows);
  collect();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
  const adapter = await (await OPENERS[system]())({ dir: options.dir, databaseUrl: options.databaseUrl, concurrency });
  collect();
  const opened = process.memoryUsage();
  try {
    let wrong = await runWorkflows(adapter, 0, warmupRuns, 1);
    wrong += await runWorkflows(adapter, warmupRuns, warmupRuns, concurrency);
    let from = 2 * warmupRuns;
    let started = performance.now();
    wrong += await runWorkflows(adapter, from, sequentialRuns, 1);
    const msPerStep = (performance.now() - started) / (sequentialRuns * STEPS);
    from += sequentialRuns;
    started = performance.now();
    wrong += await runWorkflows(adapter, from, throughputRuns, concurrency);
    const workflowsPerSec = (throughputRuns * 1000) / (performance.now() - started);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    collect();
    const heapUsed = process.memoryUsage().heapUsed;
    const workflowsRun = from + throughputRuns;
    return {
      system,
      durability: await adapter.durability(),
      workMsPerStep,
      msPerStep,
      overheadMsPerStep: msPerStep - workMsPerStep,
      workflowsPerSec,
      baselineRssMb: baseline.rss / MB,
      rssDeltaMb: (peakRss - baseline.rss) / MB,
      heapDeltaMb: (heapUsed - baseline.heapUsed) / MB,
      openRssDeltaMb: (opened.rss - baseline.rss) / MB,
      openHeapDeltaMb: (opened.heapUsed - baseline.heapUsed) / MB,
      wrongResults: wrong,
      workflowsRun,
      recorded: await settledRecords(adapter, workflowsRun),
    };
  } finally {
    clearInterval(sampler);
    await adapter.close();
  }
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
