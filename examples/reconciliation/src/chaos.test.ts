/**
 * The reconciliation's chaos profile: `runChaos` on `src/chaos.ts` with real `vigil worker`
 * processes SIGKILLed by timer and by failpoints. The figures asserted are the README's "Chaos
 * profile". `happy` is left out (`transient` covers the same path and more); `timeout` too: a
 * settlement times out after 20 s six times with backoff, past the harness's two-minute run limit,
 * and ends as `partial` does (the processor handed to payments ops).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { corruptionDecisions, ledgerRecords, runChaos, type ChaosReport } from 'vigil/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

const HERE = fileURLToPath(new URL('..', import.meta.url));
// 12 runs in CI (3 a scenario); `npm run test:chaos` sets VIGIL_CHAOS_HARNESS_RUNS for the long form.
const RUNS = Number(process.env['VIGIL_CHAOS_HARNESS_RUNS'] ?? 12);
let dir: string;
let report: ChaosReport;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-reconciliation-chaos-'));
  report = await runChaos({
    load: 'src/chaos.ts',
    workflow: 'payments.reconcile',
    cwd: HERE,
    runs: RUNS,
    scenarios: ['transient', 'persistent', 'partial', 'corrupt'],
    killWorkers: true,
    killInterval: '1s',
    leaseTtl: '1s',
    // Finance's report channel down for good: nothing to fall back to.
    faultTool: 'report.publish',
    failRate: 0.1,
    seed: 'reconciliation',
    database: join(dir, 'chaos.db'),
    progress: null,
  });
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (name: string) => report.scenarios.find((s) => s.scenario === name)!;
const outcomes = (name: string) => report.runs.filter((r) => r.scenario === name);

it('posts each hour one report, counted by the external ledger, despite the kills', () => {
  expect(report.totals.kills).toBeGreaterThan(0);
  const posted = ledgerRecords(report, 'finance.report-posted');
  for (const run of report.runs) {
    const finished = run.status === 'completed' || run.status === 'completed_partial';
    expect(posted.filter((e) => e.runId === run.runId)).toHaveLength(finished ? 1 : 0);
  }
  expect(new Set(posted.map((e) => e.key)).size).toBe(posted.length);
  expect(report.totals.duplicateSideEffects).toBe(0);
  expect(report.passed).toBe(true);
});

it('recovers transient faults by retrying', () => {
  // 10% per attempt: a run is lost only if the ledger or the report fails 3 times in a row (0.2%).
  expect(row('transient').succeeded).toBeGreaterThanOrEqual(row('transient').runs - 1);
});

it('dead-letters the hour when the report cannot be posted, for finance to replay', () => {
  for (const run of outcomes('persistent')) expect(run.status).toBe('dead_lettered');
  expect(row('persistent').escalationRate).toBe(0);
});

it('hands unreachable processors to payments ops and still posts the report', () => {
  // Every settlement fails: three non-blocking escalations, the fallback, a partial report.
  for (const run of outcomes('partial')) expect(run.status).toBe('completed_partial');
  expect(row('partial').escalationRate).toBe(1);
});

it('detects every corrupted checkpoint, re-runs the step and uses none', async () => {
  const { corruption } = row('corrupt');
  expect(corruption.injected).toBeGreaterThan(0);
  expect(corruption.detected).toBe(corruption.injected);
  expect(corruption.silentlyUsed).toBe(0);
  // No step of this agent is at-most-once: each detection the audit trail holds re-ran the step.
  // (Audit entries are appended in batches: a worker SIGKILLed before its flush loses its last ones.)
  const found = await corruptionDecisions(join(dir, 'chaos.db'));
  expect(found.length).toBeGreaterThan(0);
  for (const { action } of found) expect(action).toBe('rerun');
  expect(row('corrupt').successRate).toBe(1);
});
