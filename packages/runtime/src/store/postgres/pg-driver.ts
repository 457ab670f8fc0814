import { createRequire } from 'node:module';

import type pg from 'pg';

const require = createRequire(import.meta.url);
let driver: typeof pg | undefined;

/**
 * The `pg` driver, loaded when the first PostgreSQL connection is made rather than with Vigil:
 * a process on SQLite never needs its megabytes. `pg` is CommonJS, so loading it synchronously
 * here gives the same module object `import pg from 'pg'` would.
 */
export function pgDriver(): typeof pg {
  driver ??= require('pg') as typeof pg;
  return driver;
}
