// One system in a process of its own, as in peer-process.ts, with its memory taken apart: the
// process's mappings from /proc/self/smaps (V8's heap, malloc's main arena, other anonymous
// memory, the SQLite `-shm` index, code), `process.memoryUsage()` and V8's heap spaces, at the
// baseline, after open, at the peak RSS of the run and after it (after a full GC). The V8 spaces
// are also sampled every 50 ms while the throughput phase runs, for their largest size and use.
// Run with --expose-gc; `memory-breakdown.ts` starts it and prints the table.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

import { isMain, runAsScript } from '../child-process.js';
import { performance } from '../clock.js';
import { DEFAULTS, OPENERS, runWorkflows } from './peer-process.js';
import type { SystemName } from './adapter.js';

/** peer-process.ts's sizes; the probe does not time the work alone. */
const { workWorkflows: _untimed, ...sizes } = DEFAULTS;
export const PROBE_DEFAULTS = sizes;

const MB = 2 ** 20;
const round = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;

/** RSS by kind of mapping, in MB. `anonymous` excludes `[heap]` and the stacks; V8's heap is in it. */
export interface Mappings {
  rss: number;
  anonymous: number;
  mallocMainArena: number;
  sqliteShm: number;
  code: number;
  otherFiles: number;
  stacks: number;
}

export function readMappings(text = readFileSync('/proc/self/smaps', 'utf8')): Mappings {
  const out: Mappings = { rss: 0, anonymous: 0, mallocMainArena: 0, sqliteShm: 0, code: 0, otherFiles: 0, stacks: 0 };
  let kind: keyof Mappings = 'anonymous';
  for (const line of text.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const [, perms = '', path = ''] = header;
      if (path === '') kind = 'anonymous';
      else if (path === '[heap]') kind = 'mallocMainArena';
      else if (path.startsWith('[stack')) kind = 'stacks';
      else if (path.startsWith('[')) kind = 'otherFiles';
      else if (path.endsWith('-shm')) kind = 'sqliteShm';
      else if (perms.includes('x') || /\.(so[.\d]*|node)$/.test(path) || path.endsWith('/node')) kind = 'code';
      else kind = 'otherFiles';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) {
      const bytes = Number(rss[1]) * 1024;
      out[kind] += bytes;
      out.rss += bytes;
    }
  }
  for (const key of Object.keys(out) as Array<keyof Mappings>) out[key] = round(out[key]);
  return out;
}

/** One moment's memory, in MB. */
export interface Snapshot {
  mappings: Mappings;
  /** V8's heap pages resident (all spaces), and what V8 itself allocated with malloc. */
  v8Physical: number;
  v8Malloced: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Each space: committed size, resident, used. */
  spaces: Record<string, { size: number; physical: number; used: number }>;
}

function snapshot(): Snapshot {
  const usage = process.memoryUsage();
  const heap = getHeapStatistics();
  const spaces: Snapshot['spaces'] = {};
  for (const s of getHeapSpaceStatistics()) {
    if (s.space_size === 0) continue;
    spaces[s.space_name] = {
      size: round(s.space_size),
      physical: round(s.physical_space_size),
      used: round(s.space_used_size),
    };
  }
  return {
    mappings: readMappings(),
    v8Physical: round(heap.total_physical_size),
    v8Malloced: round(heap.malloced_memory),
    heapUsed: round(usage.heapUsed),
    external: round(usage.external),
    arrayBuffers: round(usage.arrayBuffers),
    spaces,
  };
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export interface ProbeResult {
  system: SystemName;
  workflowsPerSec: number;
  baseline: Snapshot;
  opened: Snapshot;
  /** The snapshot taken when RSS was at its highest (sampled every 50 ms). */
  peak: Snapshot;
  /** After the run and a full GC. */
  after: Snapshot;
  /** The largest each V8 space reached while the throughput phase ran (committed and used, MB). */
  throughputSpaces: Record<string, { maxSize: number; maxUsed: number }>;
}

export async function probe(options: typeof PROBE_DEFAULTS): Promise<ProbeResult> {
  const { concurrency, warmupRuns, sequentialRuns, throughputRuns } = options;
  collect();
  const baseline = snapshot();
  let peakRss = 0;
  let peak = baseline;
  let spacesMax: ProbeResult['throughputSpaces'] | null = null;
  const sample = (): void => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) {
      peakRss = rss;
      peak = snapshot();
    }
    if (!spacesMax) return;
    for (const s of getHeapSpaceStatistics()) {
      const max = (spacesMax[s.space_name] ??= { maxSize: 0, maxUsed: 0 });
      max.maxSize = Math.max(max.maxSize, round(s.space_size));
      max.maxUsed = Math.max(max.maxUsed, round(s.space_used_size));
    }
  };
  const sampler = setInterval(sample, 50);
  const adapter = await (
    await OPENERS[options.system]()
  )({
    dir: options.dir,
    databaseUrl: options.databaseUrl,
    concurrency,
  });
  try {
    collect();
    const opened = snapshot();
    let wrong = await runWorkflows(adapter, 0, warmupRuns, 1);
    wrong += await runWorkflows(adapter, warmupRuns, warmupRuns, concurrency);
    wrong += await runWorkflows(adapter, 2 * warmupRuns, sequentialRuns, 1);
    spacesMax = {};
    const started = performance.now();
    wrong += await runWorkflows(adapter, 2 * warmupRuns + sequentialRuns, throughputRuns, concurrency);
    const workflowsPerSec = (throughputRuns * 1000) / (performance.now() - started);
    sample();
    clearInterval(sampler);
    if (wrong > 0) throw new Error(`${wrong} workflows ended with the wrong value`);
    collect();
    return {
      system: options.system,
      workflowsPerSec,
      baseline,
      opened,
      peak,
      after: snapshot(),
      throughputSpaces: spacesMax,
    };
  } finally {
    clearInterval(sampler);
    await adapter.close();
  }
}

if (isMain(import.meta.url)) await runAsScript(PROBE_DEFAULTS, probe);
