// The peers' ten-step workflow on Vigil SQLite with 16 lanes (each `start()` then `result()`), in
// this process, for profiling the per-step CPU on the built package:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/dist/profile-sqlite.js --options '{"runs":2000}'
//   node bench/dist/profile-summary.js /tmp/prof/*.cpuprofile
// Prints workflows/s and CPU ms per workflow (profiling slows both: compare runs with the
// profiler off, not with the peers run).
import { performance } from './clock.js';
import { isMain, runAsScript } from './child-process.js';
import { runWorkflows } from './peers/peer-process.js';
import { openVigilSqlite } from './peers/vigil-adapter.js';
import { withFreshDir } from './temp-dir.js';

export const DEFAULTS = { runs: 2000, warmupRuns: 200, concurrency: 16 };

export async function run(options: typeof DEFAULTS) {
  return await withFreshDir('profile-sqlite', async (dir) => {
    const adapter = await openVigilSqlite({ dir, databaseUrl: '', concurrency: options.concurrency });
    try {
      let wrong = await runWorkflows(adapter, 0, options.warmupRuns, options.concurrency);
      const started = performance.now();
      const cpu = process.cpuUsage();
      wrong += await runWorkflows(adapter, options.warmupRuns, options.runs, options.concurrency);
      const { user, system } = process.cpuUsage(cpu);
      const ms = performance.now() - started;
      return {
        runs: options.runs,
        workflowsPerSec: (options.runs * 1000) / ms,
        /** This process's CPU time per workflow, and the share of the wall time it was on a CPU. */
        cpuMsPerWorkflow: (user + system) / 1000 / options.runs,
        cpuShare: (user + system) / 1000 / ms,
        wrongResults: wrong,
      };
    } finally {
      await adapter.close();
    }
  });
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
