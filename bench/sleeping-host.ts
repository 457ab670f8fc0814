// The process that hosts the sleeping runs: opens Vigil with a default worker, creates `runs`
// runs that take one step and then sleep a day, waits until all are sleeping, then measures its
// own RSS and CPU time for `measureMs`. Prints the figures as JSON on stdout. It settles for
// `settleMs` first: V8 runs a memory-reducing GC some seconds after start-up, which is no cost
// of the sleeping runs and would otherwise land in the window of the (younger) baseline host.
// Only after the window does it force a full GC (run it with --expose-gc) to tell garbage that
// V8 has not collected yet from memory the engine really holds.
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import BetterSqlite3 from 'better-sqlite3';
import { createVigil, defineWorkflow, type Vigil } from 'vigil';
import { z } from 'zod';

import { isMain, runAsScript } from './child-process.js';
import { performance } from './clock.js';
import { stepResult } from './workflows.js';

export const DEFAULTS = { dir: '', runs: 10_000, batch: 1000, measureMs: 10_000, sampleMs: 250, settleMs: 10_000 };
export type SleepingHostOptions = typeof DEFAULTS;

export interface IdleFigures {
  wallMs: number;
  cpuMs: number;
  cpuPercentOfOneCore: number;
  rssEndMb: number;
  rssMaxMb: number;
  heapUsedMb: number;
}

export interface SleepingHostResult extends IdleFigures {
  runs: number;
  createdMs: number;
  allSleepingMs: number;
  /** Runs the worker holds in memory during the window: 0 when sleeping runs cost nothing. */
  activeRuns: number;
  /** After the window, a forced full GC (with --expose-gc): what the heap really retains. */
  heapUsedAfterGcMb: number;
  rssAfterGcMb: number;
}

const MB = 2 ** 20;

export const sleeper = defineWorkflow(
  { name: 'bench.sleeper', version: 1, input: z.object({ run: z.number().int() }) },
  async (ctx, input) => {
    await ctx.step('before-sleep', () => stepResult(input.run, 1));
    await ctx.sleep('wait', '1d');
    return await ctx.step('after-sleep', () => stepResult(input.run, 2));
  },
);

/** Starts runs `from` to `from + runs - 1` of `sleeper`, `batch` at a time. */
export async function startSleepers(vigil: Vigil, from: number, runs: number, batch: number): Promise<void> {
  for (let first = from; first < from + runs; first += batch) {
    const count = Math.min(batch, from + runs - first);
    await Promise.all(Array.from({ length: count }, (_, i) => vigil.start(sleeper, { run: first + i })));
  }
}

/** Polls a separate connection until `runs` runs are sleeping. */
export async function waitUntilSleeping(path: string, runs: number): Promise<void> {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    const count = db.prepare(`SELECT count(*) AS n FROM runs WHERE status = 'sleeping'`).pluck();
    while ((count.get() as number) < runs) await delay(100);
  } finally {
    db.close();
  }
}

/** RSS samples and CPU time over `measureMs`, with nothing of ours running but the sampler. */
async function measureIdle(measureMs: number, sampleMs: number): Promise<IdleFigures> {
  const rss: number[] = [];
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < measureMs) {
    rss.push(process.memoryUsage().rss);
    await delay(sampleMs);
  }
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  const memory = process.memoryUsage();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    wallMs,
    cpuMs,
    cpuPercentOfOneCore: (cpuMs / wallMs) * 100,
    rssEndMb: memory.rss / MB,
    rssMaxMb: Math.max(...rss, memory.rss) / MB,
    heapUsedMb: memory.heapUsed / MB,
  };
}

export async function host(options: SleepingHostOptions): Promise<SleepingHostResult> {
  const { dir, runs, batch, measureMs, sampleMs, settleMs } = options;
  const path = join(dir, 'vigil.db');
  const vigil = createVigil({ database: path, workflows: [sleeper], worker: true });
  await vigil.ready();
  const start = performance.now();
  await startSleepers(vigil, 0, runs, batch);
  const createdMs = performance.now() - start;
  await waitUntilSleeping(path, runs);
  const allSleepingMs = performance.now() - start;
  await delay(settleMs);
  const idle = await measureIdle(measureMs, sampleMs);
  const activeRuns = vigil.worker?.activeCount ?? NaN;
  (globalThis as { gc?: () => void }).gc?.();
  const afterGc = process.memoryUsage();
  await vigil.close();
  const heapUsedAfterGcMb = afterGc.heapUsed / MB;
  return { runs, createdMs, allSleepingMs, activeRuns, ...idle, heapUsedAfterGcMb, rssAfterGcMb: afterGc.rss / MB };
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, host);
