import { createLogger } from '../../runtime/pino-logger.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { PostgresStore } from '../../store/postgres/postgres-store.js';
import { openStore } from '../../store/open-store.js';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import { copySqliteToPostgres } from '../../store/store-copy.js';

/** `vigil copy --from <sqlite> --to <postgres://…>`: moves a SQLite deployment's runs to PostgreSQL. */
export async function copyCommand(from: string, to: string): Promise<void> {
  const logger = createLogger();
  const source = openStore(from, { logger });
  const destination = openStore(to, { logger });
  try {
    if (!(source instanceof SqliteStore) || !(destination instanceof PostgresStore)) {
      throw new InvalidArgumentError(
        'vigil copy moves a SQLite store (--from <path>) to PostgreSQL (--to postgres://…)',
      );
    }
    await source.migrate();
    const report = await copySqliteToPostgres(source, destination, source.clock.now());
    process.stdout.write(
      `Copied ${report.runs} runs and ${report.steps} steps from ${source.describe()} to ${destination.describe()}\n`,
    );
  } finally {
    await Promise.all([source.close(), destination.close()]);
  }
}
