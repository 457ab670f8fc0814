import { resolve } from 'node:path';

import type { Clock } from '../core/clock.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** Where the embedded store lives when nothing else is configured. */
export const DEFAULT_DATABASE = '.vigil/vigil.db';

export interface OpenStoreOptions {
  clock?: Clock;
  logger?: Logger;
  /** PostgreSQL only: connections in the pool. Default `VIGIL_DB_POOL_SIZE`, else 10. */
  poolSize?: number;
  /** PostgreSQL only: how long one attempt to connect may take. Default `VIGIL_DB_CONNECT_TIMEOUT_MS`, else 10 s. */
  connectTimeoutMs?: number;
}

/**
 * Opens the store a database setting names: `postgres://…` (or `postgresql://…`) for
 * PostgreSQL, with `?schema=name` to use a schema other than `public`; otherwise a file path or
 * `sqlite:<path>` for SQLite (`:memory:` for a throwaway one). Migrations are applied by
 * `Store.migrate`.
 */
export function openStore(database: string, options: OpenStoreOptions = {}): Store {
  const setting = database.trim();
  if (setting.length === 0) throw new InvalidArgumentError('The database setting is empty');
  if (/^postgres(ql)?:\/\//i.test(setting)) {
    const url = new URL(setting);
    const schema = url.searchParams.get('schema') ?? undefined;
    url.searchParams.delete('schema');
    const poolSize = options.poolSize ?? positiveIntFromEnv('VIGIL_DB_POOL_SIZE');
    const connectTimeoutMs = options.connectTimeoutMs ?? positiveIntFromEnv('VIGIL_DB_CONNECT_TIMEOUT_MS');
    return new PostgresStore({
      url: url.toString(),
      ...(schema ? { schema } : {}),
      ...(poolSize === undefined ? {} : { poolSize }),
      ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }
  const path = setting.replace(/^sqlite:(\/\/)?/i, '');
  return new SqliteStore({ path, ...(options.clock ? { clock: options.clock } : {}) });
}

/** The absolute path of the SQLite file a database setting names; null for PostgreSQL and `:memory:`. */
export function sqliteFileOf(database: string): string | null {
  const setting = database.trim();
  if (/^postgres(ql)?:\/\//i.test(setting)) return null;
  const path = setting.replace(/^sqlite:(\/\/)?/i, '');
  return path === ':memory:' ? null : resolve(path);
}

function positiveIntFromEnv(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) {
    throw new InvalidArgumentError(`${name} must be a positive integer; got ${JSON.stringify(value)}`);
  }
  return number;
}
