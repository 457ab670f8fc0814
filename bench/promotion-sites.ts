// Where the objects that outlive V8's young generation are allocated: the peers' workflow on
// Vigil SQLite (as `profile-sqlite.ts` runs it) under V8's sampling heap profiler, keeping only the
// samples a scavenge did not collect (promoted, allocated in old space, or alive at the end).
// Prints KB per workflow by allocating function, and by its last frames:
//   node --no-turbo-inlining bench/dist/promotion-sites.js --options '{"runs":3000,"top":25}'
// With `"workload":"sleeping"` the runs are benchmark 6's instead (`sleeping-host.ts`: one step,
// then a sleep of a day; started `batch` at a time, all sleeping before sampling stops):
//   node --no-turbo-inlining bench/dist/promotion-sites.js --options '{"workload":"sleeping","runs":10000}'
// Without inlining, allocations are charged to the function that makes them rather than to the
// one it was inlined into. A site's figure counts what it allocated that survived, not why it
// survived: a heap snapshot cannot say that either (its full GC drops whatever kept it).
import { Session } from 'node:inspector/promises';

import type { HeapProfiler } from 'node:inspector';

import { join } from 'node:path';

import { createVigil } from 'vigil';

import { isMain, runAsScript } from './child-process.js';
import { runWorkflows } from './peers/peer-process.js';
import { openVigilSqlite } from './peers/vigil-adapter.js';
import { sleeper, startSleepers, waitUntilSleeping } from './sleeping-host.js';
import { withFreshDir } from './temp-dir.js';

export const DEFAULTS = {
  workload: 'peers' as 'peers' | 'sleeping',
  runs: 3000,
  warmupRuns: 200,
  concurrency: 16,
  /** Sleeping runs started at once (`sleeping-host.ts`'s batch). */
  batch: 1000,
  top: 25,
  frames: 4,
};

type Node = HeapProfiler.SamplingHeapProfileNode;

/** A workload that can run `count` runs numbered from `from`, and close. */
interface Workload {
  runs(from: number, count: number): Promise<void>;
  close(): Promise<void>;
}

async function openWorkload(dir: string, options: typeof DEFAULTS): Promise<Workload> {
  if (options.workload === 'sleeping') {
    const path = join(dir, 'vigil.db');
    const vigil = createVigil({ database: path, workflows: [sleeper], worker: true });
    await vigil.ready();
    return {
      runs: async (from, count) => {
        await startSleepers(vigil, from, count, options.batch);
        await waitUntilSleeping(path, from + count);
      },
      close: () => vigil.close(),
    };
  }
  const adapter = await openVigilSqlite({ dir, databaseUrl: '', concurrency: options.concurrency });
  return {
    runs: async (from, count) => void (await runWorkflows(adapter, from, count, options.concurrency)),
    close: () => adapter.close(),
  };
}

export async function run(options: typeof DEFAULTS) {
  const profile = await withFreshDir('promotion-sites', async (dir) => {
    const workload = await openWorkload(dir, options);
    const session = new Session();
    session.connect();
    try {
      await workload.runs(0, options.warmupRuns);
      // Both flags are in V8's protocol but not in Node's typings.
      const sampling = { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true };
      await session.post('HeapProfiler.startSampling', { ...sampling, includeObjectsCollectedByMinorGC: false });
      await workload.runs(options.warmupRuns, options.runs);
      return (await session.post('HeapProfiler.stopSampling')).profile.head;
    } finally {
      session.disconnect();
      await workload.close();
    }
  });
  const bySite = new Map<string, number>();
  const byStack = new Map<string, number>();
  const walk = (node: Node, stack: string[]): void => {
    const { functionName, url, lineNumber } = node.callFrame;
    const frame = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(packages|bench|node_modules)\//, '$1/')}:${lineNumber + 1}`;
    const here = [frame, ...stack];
    if (node.selfSize > 0) {
      bySite.set(frame, (bySite.get(frame) ?? 0) + node.selfSize);
      const key = here.slice(0, options.frames).join(' <- ');
      byStack.set(key, (byStack.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(profile, []);
  const kbPerWorkflow = (bytes: number): number => Math.round((bytes / options.runs / 1024) * 100) / 100;
  const top = (sites: Map<string, number>) =>
    [...sites]
      .sort((a, b) => b[1] - a[1])
      .slice(0, options.top)
      .map(([site, bytes]) => ({ kbPerWorkflow: kbPerWorkflow(bytes), site }));
  return {
    workload: options.workload,
    runs: options.runs,
    survivedKbPerWorkflow: kbPerWorkflow([...bySite.values()].reduce((sum, bytes) => sum + bytes, 0)),
    bySite: top(bySite),
    byStack: top(byStack),
  };
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
