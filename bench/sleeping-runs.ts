// Benchmark 6: 10,000 sleeping runs. Each round runs two host processes in fresh directories:
// the baseline hosts the same Vigil instance and worker with no runs at all; the measured one
// first puts 10,000 runs to sleep. Both then settle and measure their own RSS and CPU for 10 s.
import { fileURLToPath } from 'node:url';

import { isMain, runAsScript, runScript } from './child-process.js';
import type { SleepingHostOptions, SleepingHostResult } from './sleeping-host.js';
import { measureRounds, type Rounds } from './stats.js';
import { withFreshDir } from './temp-dir.js';

export const DEFAULTS = { rounds: 3, runs: 10_000, measureMs: 10_000, settleMs: 10_000 };
export type SleepingOptions = typeof DEFAULTS;

export interface SleepingRound {
  runs: number;
  rssMb: number;
  rssMaxMb: number;
  heapUsedMb: number;
  heapUsedAfterGcMb: number;
  rssAfterGcMb: number;
  cpuPercent: number;
  baselineRssMb: number;
  baselineCpuPercent: number;
  rssRatio: number;
  setupMs: number;
  activeRuns: number;
}

export type SleepingResult = Rounds<SleepingOptions, SleepingRound>;

const HOST = fileURLToPath(new URL('./sleeping-host.js', import.meta.url));

function hostIn(label: string, options: Omit<SleepingHostOptions, 'dir' | 'batch' | 'sampleMs'>) {
  return withFreshDir(label, (dir) =>
    runScript<SleepingHostResult>(HOST, { ...options, dir }, 600_000, ['--expose-gc']),
  );
}

async function measureRound({ runs, measureMs, settleMs }: SleepingOptions): Promise<SleepingRound> {
  const empty = await hostIn('idle', { runs: 0, measureMs, settleMs });
  const sleeping = await hostIn('sleeping', { runs, measureMs, settleMs });
  return {
    runs,
    rssMb: sleeping.rssEndMb,
    rssMaxMb: sleeping.rssMaxMb,
    heapUsedMb: sleeping.heapUsedMb,
    heapUsedAfterGcMb: sleeping.heapUsedAfterGcMb,
    rssAfterGcMb: sleeping.rssAfterGcMb,
    cpuPercent: sleeping.cpuPercentOfOneCore,
    baselineRssMb: empty.rssEndMb,
    baselineCpuPercent: empty.cpuPercentOfOneCore,
    rssRatio: sleeping.rssEndMb / empty.rssEndMb,
    setupMs: sleeping.allSleepingMs,
    activeRuns: sleeping.activeRuns,
  };
}

export async function run(options: SleepingOptions): Promise<SleepingResult> {
  return { options, ...(await measureRounds(options.rounds, () => measureRound(options))) };
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
