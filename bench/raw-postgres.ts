// Benchmark 7, the PostgreSQL baseline: one pg.Client inserting one ~100-byte row per statement
// in autocommit, so every insert is one durable commit (fsync=on, synchronous_commit=on): the
// least a checkpointed step can cost on PostgreSQL. Also the round trip of `SELECT 1`.
import pg from 'pg';

import { isMain, runAsScript } from './child-process.js';
import { performance } from './clock.js';
import { withFreshSchema, withPostgres, type PostgresSettings, type Schema } from './postgres-server.js';
import { mean, measureRounds, median, percentile, type Rounds } from './stats.js';
import { RESULT_BYTES, STEPS_PER_WORKFLOW, stepResult } from './workflows.js';

export const DEFAULTS = { rounds: 5, warmup: 300, commits: 3000, selects: 2000 };
export type RawPgOptions = typeof DEFAULTS;

export interface RawPgRound {
  commits: number;
  msPerCommit: number;
  commitsPerSec: number;
  workflowsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  /** `SELECT 1` on the same connection: the round trip without a commit. */
  selectMeanMs: number;
  selectP50Ms: number;
}

export type RawPgResult = Rounds<RawPgOptions, RawPgRound> & {
  rowBytes: number;
  settings: PostgresSettings;
  serverStartMs: number;
};

/** Times `count` calls of `fn`, one after another. */
async function timed(count: number, fn: (i: number) => Promise<unknown>): Promise<{ wallMs: number; each: number[] }> {
  const each: number[] = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const before = performance.now();
    await fn(i);
    each.push(performance.now() - before);
  }
  return { wallMs: performance.now() - start, each };
}

/**
 * One round in `schema`: `commits` autocommitted inserts, each its own transaction, sent the way
 * Vigil sends its statements (parameterised, unnamed), then `selects` round trips of `SELECT 1`.
 */
export async function measureRawPgCommits(
  schema: Schema,
  { warmup, commits, selects = 500 }: { warmup: number; commits: number; selects?: number },
): Promise<RawPgRound> {
  const client = new pg.Client({ connectionString: schema.serverUrl });
  await client.connect();
  try {
    const table = `${schema.name}.raw_steps`;
    await client.query(`CREATE TABLE ${table} (id BIGSERIAL PRIMARY KEY, run INTEGER NOT NULL, output TEXT NOT NULL)`);
    const insert = `INSERT INTO ${table} (run, output) VALUES ($1, $2)`;
    const output = JSON.stringify(stepResult(1, 1));
    await timed(warmup, (i) => client.query(insert, [i, output]));
    const { wallMs, each } = await timed(commits, (i) => client.query(insert, [i, output]));
    await timed(Math.min(warmup, selects), () => client.query('SELECT 1'));
    const select = await timed(selects, () => client.query('SELECT 1'));
    const msPerCommit = wallMs / commits;
    return {
      commits,
      msPerCommit,
      commitsPerSec: 1000 / msPerCommit,
      workflowsPerSec: 1000 / msPerCommit / STEPS_PER_WORKFLOW,
      p50Ms: median(each),
      p95Ms: percentile(each, 95),
      selectMeanMs: mean(select.each),
      selectP50Ms: median(select.each),
    };
  } finally {
    await client.end();
  }
}

export async function run(options: RawPgOptions): Promise<RawPgResult> {
  return await withPostgres(async (server) => {
    const { rounds, median } = await measureRounds(options.rounds, () =>
      withFreshSchema(server, 'raw', (schema) => measureRawPgCommits(schema, options)),
    );
    return {
      options,
      rowBytes: RESULT_BYTES,
      settings: server.settings,
      serverStartMs: server.startMs,
      rounds,
      median,
    };
  });
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
