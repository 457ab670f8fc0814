import { randomBytes } from 'node:crypto';

import { expect, inject, it } from 'vitest';

import { silentLogger } from '../../core/logger.js';
import { PgConnection } from './connection.js';

it('runs a transaction once, rolls it back when it throws, and runs it again after losing its connection', async () => {
  const schema = `t_${randomBytes(5).toString('hex')}`;
  const conn = new PgConnection({ url: inject('postgresUrl'), schema, logger: silentLogger, poolSize: 2 });
  await conn.query(`CREATE SCHEMA ${schema}`);
  await conn.query(`CREATE TABLE ${schema}.t (n INTEGER NOT NULL)`);
  const rows = async () => (await conn.query<{ n: number }>(`SELECT n FROM ${schema}.t ORDER BY n`)).map((r) => r.n);

  expect(
    await conn.transaction(async (tx) => (await tx.query(`INSERT INTO ${schema}.t VALUES (1) RETURNING n`)).length),
  ).toBe(1);

  const refused = conn.transaction(async (tx) => {
    await tx.query(`INSERT INTO ${schema}.t VALUES (2)`);
    throw new Error('changed my mind');
  });
  await expect(refused).rejects.toThrow('changed my mind');
  expect(await rows()).toEqual([1]);

  let runs = 0;
  await conn.transaction(async (tx) => {
    runs++;
    await tx.query(`INSERT INTO ${schema}.t VALUES (3)`);
    // The first run loses its connection half way: nothing of it commits, and it runs again.
    if (runs === 1) await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
  });
  expect(runs).toBe(2);
  expect(await rows()).toEqual([1, 3]);

  await conn.query(`DROP SCHEMA ${schema} CASCADE`);
  await conn.close();
});
