import type { Clock } from '../core/clock.js';
import { InvalidArgumentError } from '../core/errors.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** Where the embedded store lives when nothing else is configured. */
export const DEFAULT_DATABASE = '.vigil/vigil.db';

/**
 * Opens the store a database setting names: a file path or `sqlite:<path>` for SQLite
 * (`:memory:` for a throwaway one). Migrations are applied by `Store.migrate`.
 */
export function openStore(database: string, clock?: Clock): Store {
  const setting = database.trim();
  if (setting.length === 0) throw new InvalidArgumentError('The database setting is empty');
  if (/^postgres(ql)?:\/\//i.test(setting)) {
    throw new InvalidArgumentError(
      'PostgreSQL is not supported by this build yet; use a SQLite file path (the default is .vigil/vigil.db)',
    );
  }
  const path = setting.replace(/^sqlite:(\/\/)?/i, '');
  return new SqliteStore({ path, ...(clock ? { clock } : {}) });
}
