/**
 * The late-checkout workflow's chaos profile: `runChaos` on `src/chaos.ts` with real `vigil
 * worker` processes SIGKILLed by timer and by failpoints. The figures asserted are the README's
 * "Chaos profile". `partial` is left out: no tool has a fallback or a degraded path (a guest is
 * told a decision or nothing), so it is `happy` again; `timeout` too: 3 attempts of 5 s, then the
 * same dead letter as `persistent`, 15 s later.
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
  dir = mkdtempSync(join(tmpdir(), 'vigil-guest-chaos-'));
  report = await runChaos({
    load: 'src/chaos.ts',
    workflow: 'guest.late-checkout',
    cwd: HERE,
    runs: RUNS,
    scenarios: ['happy', 'transient', 'persistent', 'corrupt'],
    killWorkers: true,
    killInterval: '1s',
    leaseTtl: '1s',
    // The PMS refusing every decision: without a stored decision the guest must not be told one.
    faultTool: 'pms.record-decision',
    failRate: 0.1,
    seed: 'guest-requests',
    database: join(dir, 'chaos.db'),
    progress: null,
  });
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (name: string) => report.scenarios.find((s) => s.scenario === name)!;
const outcomes = (name: string) => report.runs.filter((r) => r.scenario === name);

it('stores one decision and sends one message per request, counted by the external ledger', () => {
  expect(report.totals.kills).toBeGreaterThan(0);
  const stored = ledgerRecords(report, 'pms.decision-stored');
  const sent = ledgerRecords(report, 'guest.message-sent');
  for (const run of report.runs) {
    const finished = run.status === 'completed';
    expect(sent.filter((e) => e.runId === run.runId)).toHaveLength(finished ? 1 : 0);
    if (finished) expect(stored.filter((e) => e.runId === run.runId)).toHaveLength(1);
  }
  for (const effects of [stored, sent]) expect(new Set(effects.map((e) => e.key)).size).toBe(effects.length);
  expect(report.totals.duplicateSideEffects).toBe(0);
  expect(report.passed).toBe(true);
});

it('decides every request on the happy path and recovers transient faults by retrying', () => {
  expect(row('happy').successRate).toBe(1);
  // 10% per attempt: a run is lost only if one of its 3 tools fails 3 times in a row (0.3%).
  expect(row('transient').succeeded).toBeGreaterThanOrEqual(row('transient').runs - 1);
  expect(row('happy').escalationRate + row('transient').escalationRate).toBe(0);
});

it('dead-letters a request whose decision the PMS refuses, and tells the guest nothing', () => {
  for (const run of outcomes('persistent')) expect(run.status).toBe('dead_lettered');
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
