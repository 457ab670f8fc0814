import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { inject } from 'vitest';

/** A schema of its own on the test run's PostgreSQL server, created by the first store to migrate it. */
export interface TestSchema {
  /** The server's URL, without a schema. */
  server: string;
  schema: string;
  /** The Vigil database URL that selects the schema (`--db`, `database`). */
  url: string;
  /** Drops the schema and everything in it. */
  drop: () => Promise<void>;
}

/** A fresh schema named `<prefix>_<random>` on the test PostgreSQL; `drop` it at cleanup. */
export function testSchema(prefix: string): TestSchema {
  const server = inject('postgresUrl');
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  return {
    server,
    schema,
    url: `${server}?schema=${schema}`,
    drop: async () => {
      const admin = new pg.Client({ connectionString: server });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
