// Opening Vigil on a round's PostgreSQL schema, and counting its completed runs from outside.
import pg from 'pg';
import { createVigil, type AnyWorkflow, type Vigil, type WorkerOptions } from 'vigil';

import type { Schema } from './postgres-server.js';
import type { CompletedCounter } from './vigil-instance.js';

/** A Vigil instance on `schema` with the store's defaults (a pool of 10), migrated and ready. */
export async function openPgVigil(
  schema: Schema,
  workflows: AnyWorkflow[],
  worker: WorkerOptions | false,
): Promise<Vigil> {
  const vigil = createVigil({ database: schema.vigilUrl, workflows, worker });
  await vigil.ready();
  if (vigil.store.dialect !== 'postgres')
    throw new Error(`expected the PostgreSQL store, got ${vigil.store.describe()}`);
  return vigil;
}

/** A connection of its own that counts the completed runs in `schema`; `fn` gets the counter. */
export async function withCompletedCounter<T>(
  schema: Schema,
  fn: (completed: CompletedCounter) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: schema.serverUrl });
  await client.connect();
  try {
    return await fn(async () => {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${schema.name}.runs WHERE status = 'completed'`,
      );
      return rows[0]?.n ?? 0;
    });
  } finally {
    await client.end();
  }
}
