import { createLogger } from '../../runtime/pino-logger.js';
import { openStore, DEFAULT_DATABASE } from '../../store/open-store.js';

/** `vigil migrate`: applies pending migrations to the configured store and exits. */
export async function migrateCommand(db: string | undefined): Promise<void> {
  const store = openStore(db ?? process.env['VIGIL_DATABASE_URL'] ?? DEFAULT_DATABASE, { logger: createLogger() });
  try {
    await store.migrate();
    process.stdout.write(`Migrations applied: ${store.describe()}\n`);
  } finally {
    await store.close();
  }
}
