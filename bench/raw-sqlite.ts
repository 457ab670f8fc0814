// Benchmark 1, the baseline: better-sqlite3 on a WAL file with synchronous=FULL, one ~100-byte
// row per transaction, so every insert is one durable commit (what one checkpointed step needs
// at the very least).
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';

import { isMain, runAsScript } from './child-process.js';
import { performance } from './clock.js';
import { mean, measureRounds, median, percentile, type Rounds } from './stats.js';
import { withFreshDir } from './temp-dir.js';
import { RESULT_BYTES, STEPS_PER_WORKFLOW, stepResult } from './workflows.js';

export const DEFAULTS = { rounds: 5, warmup: 300, commits: 3000 };
export type RawOptions = typeof DEFAULTS;

export interface RawRound {
  commits: number;
  wallMs: number;
  msPerCommit: number;
  commitsPerSec: number;
  workflowsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  meanLatencyMs: number;
}

export type RawResult = Rounds<RawOptions, RawRound> & { rowBytes: number };

/** Opens a fresh file the way Vigil's SQLite store does: WAL, synchronous=FULL. */
export function openRawDatabase(path: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE steps (id INTEGER PRIMARY KEY, run INTEGER NOT NULL, output TEXT NOT NULL)');
  return db;
}

/** One round: `commits` autocommitted inserts, each its own transaction, timed one by one. */
export function measureRawCommits(dir: string, { warmup, commits }: { warmup: number; commits: number }): RawRound {
  const db = openRawDatabase(join(dir, 'raw.db'));
  try {
    const insert = db.prepare('INSERT INTO steps (run, output) VALUES (?, ?)');
    const output = JSON.stringify(stepResult(1, 1));
    for (let i = 0; i < warmup; i++) insert.run(i, output);
    const latencies: number[] = [];
    const start = performance.now();
    for (let i = 0; i < commits; i++) {
      const before = performance.now();
      insert.run(i, output);
      latencies.push(performance.now() - before);
    }
    const wallMs = performance.now() - start;
    const msPerCommit = wallMs / commits;
    return {
      commits,
      wallMs,
      msPerCommit,
      commitsPerSec: 1000 / msPerCommit,
      workflowsPerSec: 1000 / msPerCommit / STEPS_PER_WORKFLOW,
      p50Ms: median(latencies),
      p95Ms: percentile(latencies, 95),
      meanLatencyMs: mean(latencies),
    };
  } finally {
    db.close();
  }
}

export async function run(options: RawOptions): Promise<RawResult> {
  const { rounds, median } = await measureRounds(options.rounds, () =>
    withFreshDir('raw', (dir) => measureRawCommits(dir, options)),
  );
  return { options, rowBytes: RESULT_BYTES, rounds, median };
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
