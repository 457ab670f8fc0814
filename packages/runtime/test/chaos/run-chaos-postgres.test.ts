/**
 * `runChaos` on PostgreSQL: the workers, the harness and the checkpoint corruption all reach the
 * test run's server through one URL (its own schema).
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import pg from 'pg';
import { afterAll, expect, inject, it } from 'vitest';

import { runChaos } from '../../src/testing/index.js';

const AGENT = fileURLToPath(new URL('../fixtures/chaos-agent.ts', import.meta.url));
const schema = `chaos_${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  const client = new pg.Client({ connectionString: inject('postgresUrl') });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

it('runs the scenarios and corrupts checkpoints on PostgreSQL', { timeout: 300_000 }, async () => {
  const url = new URL(inject('postgresUrl'));
  url.searchParams.set('schema', schema);
  const report = await runChaos({
    load: AGENT,
    workflow: 'chaos.order',
    runs: 4,
    scenarios: ['happy', 'corrupt'],
    workers: 1,
    seed: 'pg',
    leaseTtl: '1s',
    database: url.toString(),
    progress: null,
  });
  const [happy, corrupt] = report.scenarios;
  expect(happy!.successRate).toBe(1);
  expect(corrupt!.corruption.injected).toBeGreaterThan(0);
  expect(corrupt!.corruption.silentlyUsed).toBe(0);
  expect(report.totals.duplicateSideEffects).toBe(0);
  expect(report.database).not.toContain('@');
});
