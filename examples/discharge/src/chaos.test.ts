/**
 * The discharge's chaos profile: `runChaos` on `src/chaos.ts` with real `vigil worker` processes
 * SIGKILLed by timer and by failpoints, in this directory so the workers read its
 * vigil.config.ts (the offline summary model). The figures asserted are the README's "Chaos
 * profile". `happy` is covered by the model-down round (the same path with the summary's
 * fallback); `timeout` is left out: its outcome is the `record` step's (3 attempts of 5 s, no
 * fallback: dead letters) and adds 15 s a run without telling more than `persistent` does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { corruptionDecisions, ledgerRecords, runChaos, type ChaosReport, type ChaosScenario } from 'vigil/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

const HERE = fileURLToPath(new URL('..', import.meta.url));
// 12 runs in CI (3 a scenario); `npm run test:chaos` sets VIGIL_CHAOS_HARNESS_RUNS for the long form.
const RUNS = Number(process.env['VIGIL_CHAOS_HARNESS_RUNS'] ?? 12);
const MODEL_DOWN_RUNS = Math.max(3, Math.round(RUNS / 4));
let dir: string;
let report: ChaosReport;
let modelDown: ChaosReport;

const profile = (name: string, runs: number, scenarios: ChaosScenario[]) =>
  runChaos({
    load: 'src/chaos.ts',
    workflow: 'patient.discharge',
    cwd: HERE,
    runs,
    scenarios,
    killWorkers: true,
    killInterval: '1s',
    leaseTtl: '1s',
    faultTool: 'pharmacy.order',
    failRate: 0.1,
    seed: `discharge-${name}`,
    database: join(dir, `${name}.db`),
    progress: null,
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-discharge-chaos-'));
  report = await profile('faults', RUNS, ['transient', 'persistent', 'partial', 'corrupt']);
  // The summary model answering 503: inherited by the workers of this round only.
  process.env['DISCHARGE_SUMMARY_DOWN'] = '1';
  try {
    modelDown = await profile('model-down', MODEL_DOWN_RUNS, ['happy']);
  } finally {
    delete process.env['DISCHARGE_SUMMARY_DOWN'];
  }
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (name: string) => report.scenarios.find((s) => s.scenario === name)!;
const outcomes = (name: string) => report.runs.filter((r) => r.scenario === name);

it('sends each patient one message, counted by the external ledger, despite the kills', () => {
  expect(report.totals.kills + modelDown.totals.kills).toBeGreaterThan(0);
  for (const r of [report, modelDown]) {
    const sent = ledgerRecords(r, ['notify.sms-sent', 'notify.email-sent']);
    // A run that finished notified its patient exactly once; none was notified twice.
    for (const run of r.runs.filter((o) => o.status === 'completed' || o.status === 'completed_partial')) {
      expect(sent.filter((e) => e.runId === run.runId)).toHaveLength(1);
    }
    expect(new Set(sent.map((e) => e.key)).size).toBe(sent.length);
    expect(r.totals.duplicateSideEffects).toBe(0);
    expect(r.passed).toBe(true);
  }
});

it('recovers transient faults by retrying', () => {
  // 10% per attempt: a run is lost only if `record` or `notify` fails 3 times in a row (0.2%).
  expect(row('transient').succeeded).toBeGreaterThanOrEqual(row('transient').runs - 1);
  expect(report.totals.costUsd).toBeGreaterThan(0);
});

it('hands a broken pharmacy to the pharmacist without holding the discharge', () => {
  expect(row('persistent').escalationRate).toBe(1);
  expect(row('persistent').partial).toBe(row('persistent').runs);
  expect(row('persistent').deadLetters).toBe(0);
});

it('waits on billing when every degradable tool fails, since the insurer comes first and blocks', () => {
  for (const run of outcomes('partial')) expect(run.status).toBe('escalated');
  expect(row('partial').deadLetters).toBe(0);
});

it('detects every corrupted checkpoint, re-runs the step and uses none', async () => {
  const { corruption } = row('corrupt');
  expect(corruption.injected).toBeGreaterThan(0);
  expect(corruption.detected).toBe(corruption.injected);
  expect(corruption.silentlyUsed).toBe(0);
  // No step of this agent is at-most-once: each detection the audit trail holds re-ran the step.
  // (Audit entries are appended in batches: a worker SIGKILLed before its flush loses its last ones.)
  const found = await corruptionDecisions(join(dir, 'faults.db'));
  expect(found.length).toBeGreaterThan(0);
  for (const { action } of found) expect(action).toBe('rerun');
  expect(row('corrupt').successRate).toBe(1);
});

it('writes the summary from the template when the model is down, and completes partially', () => {
  const happy = modelDown.scenarios[0]!;
  expect(happy.runs).toBe(MODEL_DOWN_RUNS);
  expect(happy.partial).toBe(MODEL_DOWN_RUNS);
  expect(happy.escalations).toBe(0);
});
