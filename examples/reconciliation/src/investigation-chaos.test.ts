/**
 * The investigation agent's chaos profile: `runChaos` on `src/investigation-chaos.ts` with real
 * `vigil worker` processes SIGKILLed by timer and by failpoints (mid-turn, mid-tool-call, between
 * a booking and its checkpoint), in this directory so the workers read its vigil.config.ts (the
 * offline model, 30% of its turns answering 503 once). Finance's approvals are granted by the
 * harness (`approve: ['finance']`). The figures asserted are the README's "Chaos profile".
 * `happy` is left out (`transient` covers the same path and more); `partial` too (no tool has a
 * fallback or a degraded path, so it would be `happy`); `timeout` as well: three attempts of 10 s
 * of a read, then the same end as `persistent` 30 s later.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createVigil, type RunDetails } from 'vigil';
import { corruptionDecisions, ledgerRecords, runChaos, type ChaosReport } from 'vigil/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

import type { InvestigationResult } from './investigation.js';

const HERE = fileURLToPath(new URL('..', import.meta.url));
// 12 runs in CI (4 a scenario); `npm run test:chaos` sets VIGIL_CHAOS_HARNESS_RUNS for the long form.
const RUNS = Number(process.env['VIGIL_CHAOS_HARNESS_RUNS'] ?? 12);
let dir: string;
let report: ChaosReport;
const details = new Map<string, RunDetails>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-investigation-chaos-'));
  // The model answering 503 to the first attempt of 30% of the turns: inherited by the workers.
  process.env['RECONCILIATION_MODEL_FAILURES'] = '0.3';
  try {
    report = await runChaos({
      load: 'src/investigation-chaos.ts',
      workflow: 'payments.investigate',
      cwd: HERE,
      runs: RUNS,
      scenarios: ['transient', 'persistent', 'corrupt'],
      killWorkers: true,
      // Every 2 s, not 1 s as the other profiles: a worker loading this agent takes 3–5 s to start
      // on a loaded machine, and the corrupt scenario's runs outlive several kills.
      killInterval: '2s',
      leaseTtl: '1s',
      // The ledger refusing every adjustment: the write, after finance approved it.
      faultTool: 'ledger.adjust',
      failRate: 0.1,
      approve: ['finance'],
      seed: 'investigation',
      database: join(dir, 'chaos.db'),
      progress: null,
    });
  } finally {
    delete process.env['RECONCILIATION_MODEL_FAILURES'];
  }
  const vigil = createVigil({ database: join(dir, 'chaos.db') });
  try {
    for (const run of report.runs) details.set(run.runId, (await vigil.getRun(run.runId))!);
  } finally {
    await vigil.close();
  }
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (name: string) => report.scenarios.find((s) => s.scenario === name)!;
const outcomes = (name: string) => report.runs.filter((r) => r.scenario === name);
const resultOf = (runId: string) => details.get(runId)!.output as InvestigationResult;

it('books each approved adjustment once, counted by the external ledger, despite the kills', () => {
  expect(report.totals.kills).toBeGreaterThan(0);
  const booked = ledgerRecords(report, 'ledger.adjustment-booked');
  for (const run of report.runs) {
    const applied = run.status === 'completed' && resultOf(run.runId).applied;
    expect(booked.filter((e) => e.runId === run.runId)).toHaveLength(applied ? 1 : 0);
  }
  // One booking per payment (the ledger's subject), whatever key a re-run carried.
  expect(new Set(booked.map((e) => e.key)).size).toBe(booked.length);
  expect(report.totals.duplicateSideEffects).toBe(0);
  expect(report.passed).toBe(true);
});

it('asks finance before every booking: one approval a run, granted by the harness and counted so, none left open', () => {
  for (const run of report.runs) {
    const approvals = details.get(run.runId)!.escalations.filter((e) => e.kind === 'approval');
    expect(approvals.length).toBeGreaterThanOrEqual(1);
    for (const e of approvals) {
      expect(e).toMatchObject({ assignee: 'finance', decision: 'approve', resolvedBy: 'vigil chaos (as finance)' });
    }
    expect(details.get(run.runId)!.escalations.filter((e) => e.status === 'open')).toEqual([]);
  }
  for (const s of report.scenarios) expect(s.escalationRate).toBe(1);
  // Every escalation was one of those approvals: the harness approved every run, no person was needed.
  for (const s of [...report.scenarios, report.totals]) expect(s.harnessApproved).toBe(s.runs);
  for (const run of report.runs) {
    const granted = details.get(run.runId)!.escalations.filter((e) => e.resolvedBy === 'vigil chaos (as finance)');
    expect(run.harnessApprovals).toBe(granted.length);
  }
  expect(report.options.approve).toEqual(['finance']);
});

it('recovers transient tool faults and model 503s by retrying, and books the fix', () => {
  // 10% per tool attempt: a run is lost only if one call fails 3 times in a row (0.1% a call).
  expect(row('transient').succeeded).toBeGreaterThanOrEqual(row('transient').runs - 1);
  for (const run of outcomes('transient').filter((r) => r.status === 'completed')) {
    expect(resultOf(run.runId)).toMatchObject({ applied: true, stopReason: 'answered', refusal: null });
  }
  // The model's 503s (one per chosen turn, fleet-wide) cost no run: each was retried.
  expect(ledgerRecords(report, 'model.answered-503').length).toBeGreaterThan(0);
  const retriedTurns = [...details.values()].flatMap((d) => d.steps).filter((s) => s.kind === 'llm' && s.attempts > 1);
  expect(retriedTurns.length).toBeGreaterThan(0);
  expect(report.totals.costUsd).toBeGreaterThan(0);
});

it('tells the model when the ledger refuses the booking, and books nothing', () => {
  const persistent = outcomes('persistent');
  for (const run of persistent) {
    expect(run.status).toBe('completed');
    const result = resultOf(run.runId);
    expect(result).toMatchObject({ applied: false, adjustment: null, stopReason: 'answered' });
    expect(result.refusal).toMatch(/^Failed: /);
    expect(result.finding).toContain('could not be booked');
  }
  const runIds = new Set(persistent.map((r) => r.runId));
  expect(ledgerRecords(report, 'ledger.adjustment-booked').filter((e) => runIds.has(e.runId!))).toEqual([]);
  expect(row('persistent').deadLetters).toBe(0);
});

it('detects every corrupted checkpoint, re-runs the turn or the call and uses none', async () => {
  const { corruption } = row('corrupt');
  expect(corruption.injected).toBeGreaterThan(0);
  expect(corruption.detected).toBe(corruption.injected);
  expect(corruption.silentlyUsed).toBe(0);
  // LLM turns and the reads may run again, and the booking is idempotent (the ledger dedupes by
  // key): every detection the audit trail holds re-ran the step. Audit entries are appended in
  // batches, and a worker SIGKILLed before its flush loses its last ones, so with a few
  // corruptions the trail may hold none of them: the count is not asserted, the decisions are.
  const found = await corruptionDecisions(join(dir, 'chaos.db'));
  for (const { action } of found) expect(action).toBe('rerun');
  expect(row('corrupt').successRate).toBe(1);
  for (const run of outcomes('corrupt')) expect(resultOf(run.runId).applied).toBe(true);
});
