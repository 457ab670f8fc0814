// What a peer system's memory is made of: runs `peers/memory-probe.ts` for each system (in its own
// process, as the peers benchmark does, on a fresh directory or database of the embedded
// PostgreSQL server) and prints, per system, the RSS added over the baseline at open and at the
// peak, taken apart by kind of mapping, beside V8's heap and spaces. Writes nothing.
//
//   node bench/dist/memory-breakdown.js                                  # vigil-sqlite, pg-boss, dbos
//   node bench/dist/memory-breakdown.js --systems vigil-sqlite --options '{"throughputRuns":1000}'
//   node bench/dist/memory-breakdown.js --arena-max 2   # glibc MALLOC_ARENA_MAX in the child alone
//
// `--arena-max` is there to explain where memory goes (malloc's per-thread arenas), not a setting
// for the benchmark.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import pg from 'pg';

import { runScript } from './child-process.js';
import { startPostgres, type PostgresServer } from './postgres-server.js';
import { SYSTEMS, type SystemName } from './peers/adapter.js';
import { PROBE_DEFAULTS, type ProbeResult, type Snapshot } from './peers/memory-probe.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const usesPostgres = (system: SystemName): boolean => system !== 'vigil-sqlite' && system !== 'langgraph';

async function admin(server: PostgresServer, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function measure(
  server: PostgresServer | null,
  system: SystemName,
  options: object,
  arenaMax: string | undefined,
): Promise<ProbeResult> {
  const dir = mkdtempSync(join(tmpdir(), `vigil-memory-${system}-`));
  const database = `memory_${system.replace('-', '_')}`;
  const databaseUrl = server && usesPostgres(system) ? server.url.replace(/\/postgres$/, `/${database}`) : '';
  if (server && databaseUrl) await admin(server, `CREATE DATABASE ${database}`);
  const env = arenaMax === undefined ? process.env : { ...process.env, MALLOC_ARENA_MAX: arenaMax };
  try {
    return await runScript<ProbeResult>(
      here('peers/memory-probe.js'),
      { ...PROBE_DEFAULTS, ...options, system, dir, databaseUrl },
      30 * 60_000,
      ['--expose-gc'],
      env,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (server && databaseUrl) await admin(server, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}

const fixed = (n: number): string => n.toFixed(1).padStart(7);
const delta = (from: Snapshot, to: Snapshot, pick: (s: Snapshot) => number): string => fixed(pick(to) - pick(from));

/** The rows of the table: each a label and how to read it from a snapshot. */
const ROWS: Array<[string, (s: Snapshot) => number]> = [
  ['RSS', (s) => s.mappings.rss],
  ['  anonymous (V8 heap, malloc arenas, stacks of threads)', (s) => s.mappings.anonymous],
  ['    of which V8 heap pages resident', (s) => s.v8Physical],
  ['    of which the rest (malloc mmap/arenas, thread stacks)', (s) => s.mappings.anonymous - s.v8Physical],
  ['  [heap]: malloc main arena', (s) => s.mappings.mallocMainArena],
  ['  SQLite -shm', (s) => s.mappings.sqliteShm],
  ['  code (node, .so, .node)', (s) => s.mappings.code],
  ['  other files, main stack', (s) => s.mappings.otherFiles + s.mappings.stacks],
  ['V8 heap used', (s) => s.heapUsed],
  ['V8 malloced', (s) => s.v8Malloced],
  ['external', (s) => s.external],
  ['  arrayBuffers', (s) => s.arrayBuffers],
];

function render(result: ProbeResult): string {
  const { baseline, opened, peak, after } = result;
  const lines = [
    `${result.system}: ${result.workflowsPerSec.toFixed(0)} workflows/s; MB added over the baseline (baseline RSS ${baseline.mappings.rss})`,
    `${''.padEnd(58)}${'open'.padStart(7)}${'peak'.padStart(7)}${'after'.padStart(7)}`,
  ];
  for (const [label, pick] of ROWS)
    lines.push(
      `${label.padEnd(58)}${delta(baseline, opened, pick)}${delta(baseline, peak, pick)}${delta(baseline, after, pick)}`,
    );
  lines.push('V8 spaces at the peak (committed / resident / used MB), and the largest in the throughput phase:');
  for (const [name, space] of Object.entries(peak.spaces)) {
    const max = result.throughputSpaces[name];
    const largest = max ? `   max ${max.maxSize} / used ${max.maxUsed}` : '';
    lines.push(`  ${name.padEnd(28)}${fixed(space.size)}${fixed(space.physical)}${fixed(space.used)}${largest}`);
  }
  return lines.join('\n');
}

const { values } = parseArgs({
  options: { systems: { type: 'string' }, options: { type: 'string' }, 'arena-max': { type: 'string' } },
});
const systems = (values.systems?.split(',') ?? ['vigil-sqlite', 'pg-boss', 'dbos']) as SystemName[];
const unknown = systems.filter((name) => !SYSTEMS.includes(name));
if (unknown.length > 0) throw new Error(`--systems: unknown ${unknown.join(', ')}`);
const options = values.options ? (JSON.parse(values.options) as object) : {};
const server = systems.some(usesPostgres) ? await startPostgres() : null;
try {
  for (const system of systems) {
    const result = await measure(server, system, options, values['arena-max']);
    process.stdout.write(`${render(result)}\n\n`);
  }
} finally {
  await server?.destroy();
}
