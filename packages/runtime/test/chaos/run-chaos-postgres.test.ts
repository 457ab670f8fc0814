/**
 * `runChaos` on PostgreSQL: the workers, the harness and the checkpoint corruption all reach the
 * test run's server through one URL (its own schema).
 */
import { fileURLToPath } from 'node:url';

import { afterAll, expect, it } from 'vitest';

import { runChaos } from '../../src/testing/index.js';
import { testSchema } from '../helpers/test-schema.js';

const AGENT = fileURLToPath(new URL('../fixtures/chaos-agent.ts', import.meta.url));
const place = testSchema('chaos');

afterAll(() => place.drop());

it('runs the scenarios and corrupts checkpoints on PostgreSQL', { timeout: 300_000 }, async () => {
  const report = await runChaos({
    load: AGENT,
    workflow: 'chaos.order',
    runs: 4,
    scenarios: ['happy', 'corrupt'],
    workers: 1,
    seed: 'pg',
    leaseTtl: '1s',
    database: place.url,
    progress: null,
  });
  const [happy, corrupt] = report.scenarios;
  expect(happy!.successRate).toBe(1);
  expect(corrupt!.corruption.injected).toBeGreaterThan(0);
  expect(corrupt!.corruption.silentlyUsed).toBe(0);
  expect(report.totals.duplicateSideEffects).toBe(0);
  expect(report.database).not.toContain('@');
});
