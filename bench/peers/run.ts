// `npm run bench:peers`: Vigil on SQLite and on PostgreSQL beside DBOS Transact, LangGraph.js and
// pg-boss, each system in its own process (bench/peers/peer-process.ts), in one run on one
// embedded PostgreSQL server where each system gets a database of its own. Prints the comparison,
// writes bench/results/peers.json and the Peers section of bench/RESULTS.md. `--quick` runs small
// sizes and writes nothing. `--options '<json>'` overrides sizes, e.g. '{"rounds":1}'.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import pg from 'pg';

import { runScript } from '../child-process.js';
import { performance } from '../clock.js';
import { num } from '../format.js';
import { describeMachine, loadAverage } from '../machine.js';
import { startPostgres, withFreshSchema, type PostgresServer } from '../postgres-server.js';
import { measureRawPgCommits } from '../raw-postgres.js';
import { measureRawCommits } from '../raw-sqlite.js';
import { median, medianOfRounds } from '../stats.js';
import { withFreshDir } from '../temp-dir.js';
import { writeMarkdown } from '../report.js';
import { SYSTEMS, type SystemName } from './adapter.js';
import { compare, type Medians } from './comparison.js';
import type { PeerProcessResult } from './peer-process.js';
import { renderPeers, spliceSection, type PeersResults, type RawCommitRound } from './report.js';

const FULL = { rounds: 3, concurrency: 16, warmupRuns: 50, sequentialRuns: 100, throughputRuns: 500 };
const QUICK = { rounds: 1, concurrency: 16, warmupRuns: 5, sequentialRuns: 10, throughputRuns: 32 };
const PACKAGES = ['@dbos-inc/dbos-sdk', '@langchain/langgraph', '@langchain/langgraph-checkpoint-sqlite', 'pg-boss'];

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
/** bench/dist/peers/run.js writes to bench/. */
const output = (file: string): string => fileURLToPath(new URL(`../../${file}`, import.meta.url));

/** Installed versions, read from the workspace's node_modules (some packages do not export package.json). */
function versions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of [...PACKAGES, 'vigil']) {
    const manifest = readFileSync(output(`../node_modules/${name}/package.json`), 'utf8');
    out[name] = (JSON.parse(manifest) as { version: string }).version;
  }
  return out;
}

async function admin<T>(server: PostgresServer, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const usesPostgres = (system: SystemName): boolean => system !== 'vigil-sqlite' && system !== 'langgraph';

/** One system's process on a fresh directory and, for PostgreSQL systems, a fresh database. */
async function measure(server: PostgresServer, system: SystemName, round: number, sizes: typeof FULL) {
  const dir = mkdtempSync(join(tmpdir(), `vigil-peers-${system}-`));
  const database = `peers_${system.replace('-', '_')}_${round}`;
  const databaseUrl = usesPostgres(system) ? server.url.replace(/\/postgres$/, `/${database}`) : '';
  if (databaseUrl) await admin(server, (c) => c.query(`CREATE DATABASE ${database}`));
  try {
    const { rounds: _rounds, ...options } = sizes;
    return await runScript<PeerProcessResult>(
      here('peer-process.js'),
      { ...options, system, dir, databaseUrl },
      30 * 60_000,
      ['--expose-gc'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (databaseUrl) await admin(server, (c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  }
}

/** One durable commit on each store, measured in the round next to the systems: what the disk costs then. */
async function rawCommits(server: PostgresServer): Promise<RawCommitRound> {
  const sqlite = await withFreshDir('peers-raw', (dir) => measureRawCommits(dir, { warmup: 50, commits: 300 }));
  const postgres = await withFreshSchema(server, 'peers_raw', (schema) =>
    measureRawPgCommits(schema, { warmup: 50, commits: 300, selects: 50 }),
  );
  return { sqliteMsPerCommit: sqlite.msPerCommit, postgresMsPerCommit: postgres.msPerCommit };
}

function mediansOf(rounds: PeerProcessResult[][]): Medians {
  const medians: Medians = {};
  for (const system of SYSTEMS) {
    const mine = rounds.map((round) => round.find((r) => r.system === system)).filter((r) => r !== undefined);
    const last = mine[mine.length - 1];
    if (!last) continue;
    const figures = mine.map(({ system: _s, durability: _d, recorded: _r, ...numbers }) => numbers);
    medians[system] = { ...last, ...medianOfRounds(figures) };
  }
  return medians;
}

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, options: { type: 'string' }, systems: { type: 'string' } },
});
const quick = values.quick === true;
const sizes = { ...(quick ? QUICK : FULL), ...(values.options ? (JSON.parse(values.options) as object) : {}) };
/** `--systems vigil-sqlite,dbos` measures those alone (while working on one of them); nothing is written. */
const systems = values.systems ? (values.systems.split(',') as SystemName[]) : SYSTEMS;
const unknown = systems.filter((name) => !SYSTEMS.includes(name));
if (unknown.length > 0)
  throw new Error(`--systems: unknown ${unknown.join(', ')}; the systems are ${SYSTEMS.join(', ')}`);
const partial = systems.length < SYSTEMS.length;
const started = performance.now();
const machine = describeMachine();
const server = await startPostgres();
const rounds: PeerProcessResult[][] = [];
const raw: RawCommitRound[] = [];
try {
  for (let round = 0; round < sizes.rounds; round++) {
    raw.push(await rawCommits(server));
    const results: PeerProcessResult[] = [];
    for (const system of systems) {
      process.stderr.write(`bench:peers: round ${round + 1}/${sizes.rounds} ${system} ... `);
      const t0 = performance.now();
      results.push(await measure(server, system, round, sizes));
      process.stderr.write(`${num((performance.now() - t0) / 1000)} s\n`);
    }
    rounds.push(results);
  }
} finally {
  await server.destroy();
}
const medians = mediansOf(rounds);
if (partial) {
  process.stdout.write(`${JSON.stringify(medians, null, 2)}\n`);
  process.exit(0);
}
const results: PeersResults = {
  mode: quick ? 'quick' : 'full',
  generatedAt: new Date().toISOString(),
  durationSec: (performance.now() - started) / 1000,
  machine: { ...machine, loadAverage1mEnd: loadAverage() },
  postgres: server.settings,
  versions: versions(),
  options: sizes,
  rawCommits: {
    rounds: raw,
    sqliteMsPerCommit: median(raw.map((r) => r.sqliteMsPerCommit)),
    postgresMsPerCommit: median(raw.map((r) => r.postgresMsPerCommit)),
  },
  rounds,
  medians,
  comparisons: compare(medians),
};
const markdown = renderPeers(results);
process.stdout.write(`${markdown}\n`);
if (!quick) {
  mkdirSync(output('results'), { recursive: true });
  writeFileSync(output('results/peers.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeMarkdown(output('RESULTS.md'), spliceSection(readFileSync(output('RESULTS.md'), 'utf8'), markdown));
  process.stderr.write('bench:peers: wrote bench/RESULTS.md (Peers section) and bench/results/peers.json\n');
}
