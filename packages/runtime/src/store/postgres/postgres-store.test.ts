import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { DEFAULT_IDEMPOTENCY_RETENTION_MS } from '../../core/ids.js';
import { resolveBreakerPolicy } from '../../core/resilience/circuit-breaker.js';
import { FakeClock } from '../../testing/fake-clock.js';
import { describeStoreContract } from '../store.contract.js';
import { PostgresStore } from './postgres-store.js';

const url = inject('postgresUrl');
const admin = new pg.Pool({ connectionString: url, max: 2 });
afterAll(() => admin.end());

const schemaName = (): string => `t_${randomBytes(5).toString('hex')}`;

describeStoreContract('postgres', () => {
  const schema = schemaName();
  const clock = new FakeClock();
  const store = new PostgresStore({ url, schema, clock });
  const others: PostgresStore[] = [];
  return Promise.resolve({
    store,
    clock,
    connect: () => {
      const other = new PostgresStore({ url, schema, clock });
      others.push(other);
      return other;
    },
    corruptStep: async (runId, seq) => {
      await admin.query(`UPDATE ${schema}.steps SET output = '{"seq":666}' WHERE run_id = $1 AND seq = $2`, [
        runId,
        seq,
      ]);
    },
    corruptMemory: async (agent, key) => {
      await admin.query(`UPDATE ${schema}.memory SET value = '{"a":2}' WHERE agent = $1 AND key = $2`, [agent, key]);
    },
    close: async () => {
      await Promise.all(others.map((other) => other.close()));
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  });
});

describe('PostgresStore', () => {
  it('migrates once when several processes start together, under the advisory lock', async () => {
    const schema = schemaName();
    const stores = Array.from({ length: 4 }, () => new PostgresStore({ url, schema }));
    await Promise.all(stores.map((s) => s.migrate()));
    const { rows } = await admin.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
    expect(rows).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
      { version: 4 },
      { version: 5 },
      { version: 6 },
      { version: 7 },
      { version: 8 },
      { version: 9 },
      { version: 10 },
      { version: 11 },
      { version: 12 },
      { version: 13 },
      { version: 14 },
      { version: 15 },
      { version: 16 },
    ]);
    expect(stores[0]!.describe()).toMatch(new RegExp(`^postgres 127\\.0\\.0\\.1:\\d+/postgres schema ${schema}$`));
    await Promise.all(stores.map((s) => s.close()));
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  });

  it('reads time from the database server', async () => {
    const store = new PostgresStore({ url, schema: schemaName() });
    await store.migrate();
    const { rows } = await admin.query<{ now: number }>(
      `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now`,
    );
    expect(Math.abs(store.clock.now() - rows[0]!.now)).toBeLessThan(200);
    await store.close();
  });

  it('wakes listeners in other processes through LISTEN/NOTIFY when a run is queued', async () => {
    const schema = schemaName();
    const producer = new PostgresStore({ url, schema });
    const consumer = new PostgresStore({ url, schema });
    await Promise.all([producer.migrate(), consumer.migrate()]);
    const woken = new Promise<void>((resolve) => consumer.onWorkAvailable(resolve));
    await producer.runs.create({
      id: '00000000-0000-7000-8000-000000000001',
      workflow: 'w',
      version: 1,
      input: '{}',
      inputHash: 'h',
      idempotencyKey: null,
      idempotencyRetentionMs: DEFAULT_IDEMPOTENCY_RETENTION_MS,
      principal: null,
      now: producer.clock.now(),
    });
    await woken;
    await Promise.all([producer.close(), consumer.close()]);
  });

  it('retries a statement whose connection was killed under it', async () => {
    const schema = schemaName();
    const store = new PostgresStore({ url, schema, poolSize: 1 });
    await store.migrate();
    await store.runs.list({ limit: 1 });
    // Kill the pool's only connection; the next statement must reconnect and succeed.
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'vigil'`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await store.runs.list({ limit: 1 })).toEqual([]);
    await store.close();
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  });

  it('shares one breaker between processes: no failure is lost, and one caller probes', async () => {
    const schema = schemaName();
    const clock = new FakeClock();
    const [a, b] = [new PostgresStore({ url, schema, clock }), new PostgresStore({ url, schema, clock })];
    await Promise.all([a.migrate(), b.migrate()]);
    const policy = resolveBreakerPolicy({ failureThreshold: 12, cooldown: '1s' }, 'test');
    // The breaker does not exist yet: every process races to insert it.
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? a : b).breakers.record('k', 't', policy, clock.now(), { ok: false, error: `e${i}` }, false),
      ),
    );
    expect(await a.breakers.get('k')).toMatchObject({ status: 'open', consecutiveFailures: 12 });
    await clock.advance(1000);
    const admissions = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).breakers.admit('k', 't', policy, clock.now(), 5000)),
    );
    expect(admissions.filter((admission) => admission.admitted)).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  });
});
