/**
 * `runChaos` on a four-tool order agent: real `vigil worker` child processes SIGKILLed by timer
 * and by armed failpoints, faults injected through `VIGIL_TOOL_FAULTS`, bit flips in stored
 * checkpoints, and the ledger as its own process. The report's counts are checked against the
 * ground truth: the SQLite file read directly and the ledger's own file of records.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { corruptionDecisions, runChaos, type ChaosReport } from '../../src/testing/index.js';

const AGENT = fileURLToPath(new URL('../fixtures/chaos-agent.ts', import.meta.url));
// 12 runs in the default lane (under a minute); `npm run test:chaos` asks for more.
const RUNS = Number(process.env['VIGIL_CHAOS_HARNESS_RUNS'] ?? 12);
const SEED = 'chaos-test';
let dir: string;
let report: ChaosReport;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-chaos-test-'));
  report = await runChaos({
    load: AGENT,
    workflow: 'chaos.order',
    runs: RUNS,
    scenarios: ['transient', 'persistent', 'corrupt'],
    killWorkers: true,
    killInterval: '1s',
    faultTool: 'payment.charge',
    failRate: 0.3,
    seed: SEED,
    leaseTtl: '1s',
    database: join(dir, 'chaos.db'),
    progress: null,
  });
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface RunRow {
  id: string;
  status: string;
  idempotency_key: string;
}
interface LedgerLine {
  tool: string;
  key: string;
  runId?: string;
  effects?: string;
}

it('reports what the store and the external ledger hold', () => {
  const db = new BetterSqlite3(join(dir, 'chaos.db'), { readonly: true });
  const runs = db.prepare(`SELECT id, status, idempotency_key FROM runs`).all() as RunRow[];
  const steps = db.prepare(`SELECT run_id, seq, kind, status FROM steps`).all() as Array<{
    run_id: string;
    seq: number;
    kind: string;
    status: string;
  }>;
  db.close();
  const ledger = readFileSync(report.ledgerFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LedgerLine);

  expect(runs).toHaveLength(RUNS);
  expect(report.totals.runs).toBe(RUNS);
  // The options it ran with, defaults filled in, beside the seed: what a reader needs to run it again.
  expect(report.options).toEqual({
    runs: RUNS,
    scenarios: ['transient', 'persistent', 'corrupt'],
    workers: 2,
    killWorkers: true,
    killIntervalMs: 1000,
    leaseTtlMs: 1000,
    runTimeoutMs: 120_000,
    latencyMs: 0,
    rateLimit: null,
    failRate: 0.3,
    concurrency: 8,
    minSuccess: null,
    inputs: null,
    approve: [],
    faultTool: 'payment.charge',
  });
  for (const row of report.scenarios) {
    const mine = runs.filter((r) => r.idempotency_key.startsWith(`chaos:${SEED}:${row.scenario}:`));
    expect(row.runs).toBe(mine.length);
    expect(row.succeeded).toBe(mine.filter((r) => r.status === 'completed' || r.status === 'completed_partial').length);
    expect(row.deadLetters).toBe(mine.filter((r) => r.status === 'dead_lettered').length);
  }

  // Every completed tool step's effect reached the ledger before its checkpoint committed: the
  // harness's record of the execution, or, for a charge whose worker was killed after the bank
  // charged and that the next worker completed through `verify`, the bank's own record.
  const recorded = new Set(ledger.map((r) => `${r.tool === 'bank.charge' ? 'bank:' : ''}${r.key}`));
  const completedTools = steps.filter((s) => s.kind === 'tool' && s.status === 'completed');
  expect(completedTools.length).toBeGreaterThan(0);
  for (const s of completedTools) {
    const key = `${s.run_id}:${s.seq}`;
    expect(recorded.has(key) || recorded.has(`bank:${key}`), key).toBe(true);
  }

  // Duplicates counted from the ledger's own file: repeats under one key by tools not declared idempotent.
  const counts = new Map<string, LedgerLine & { n: number }>();
  for (const r of ledger) {
    const id = `${r.tool} ${r.key}`;
    counts.set(id, { ...r, n: (counts.get(id)?.n ?? 0) + 1 });
  }
  const duplicates = [...counts.values()]
    .filter((r) => r.effects !== 'idempotent' && r.effects !== 'none')
    .reduce((sum, r) => sum + r.n - 1, 0);
  expect(report.totals.duplicateSideEffects).toBe(duplicates);
  expect(duplicates).toBe(0);
  expect(report.passed).toBe(true);
});

it('runs each scenario to the outcome its fault implies', () => {
  const row = (name: string) => report.scenarios.find((s) => s.scenario === name)!;
  // Transient faults at 30% per attempt: five attempts (two for the quote, with a fallback)
  // nearly always recover. A run fails only where one step failed all five (0.3^5 per step, or
  // five timeouts on a loaded machine), and the report counts exactly those. A kill during an
  // attempt adds an interrupted one, which the retry policy does not count as a failure: such a
  // step fails with more than five attempts.
  const db = new BetterSqlite3(join(dir, 'chaos.db'), { readonly: true });
  const exhausted = db
    .prepare(
      `SELECT DISTINCT r.id FROM runs r JOIN steps s ON s.run_id = r.id
       WHERE r.idempotency_key LIKE ? AND s.status = 'failed' AND s.attempts >= 5`,
    )
    .all(`chaos:${SEED}:transient:%`);
  db.close();
  const transient = row('transient');
  expect(transient.succeeded).toBe(transient.runs - exhausted.length);
  expect(transient.successRate).toBeGreaterThanOrEqual(0.5);
  // The payment tool always fails: each run escalates to billing without blocking and finishes partial.
  expect(row('persistent').escalationRate).toBe(1);
  expect(row('persistent').partial).toBe(row('persistent').runs);
  expect(report.totals.costUsd).toBeGreaterThan(0);
});

it('detects every corrupted checkpoint and uses none silently', async () => {
  const { corruption } = report.scenarios.find((s) => s.scenario === 'corrupt')!;
  expect(corruption.injected).toBeGreaterThan(0);
  expect(corruption.detected).toBe(corruption.injected);
  expect(corruption.silentlyUsed).toBe(0);
  // The harness corrupts each run at a depth drawn from 1 to 3 results: the reservation and the
  // quote may run again, the charge (seq 3, at-most-once) goes to billing instead.
  const decisions = await corruptionDecisions(join(dir, 'chaos.db'));
  expect(decisions.length).toBeGreaterThan(0);
  for (const { seq, action } of decisions) expect(action).toBe(seq === 3 ? 'escalated' : 'rerun');
});

it('kills workers and measures recovery on the runs they held', () => {
  expect(report.totals.kills).toBeGreaterThan(0);
  for (const row of report.scenarios) {
    expect(row.recovery.count).toBeLessThanOrEqual(row.kills * 8);
    if (row.recovery.count > 0) expect(row.recovery.p50).toBeGreaterThan(0);
  }
});

it('loses no step outcome’s audit entry to the kills, as the database shows', () => {
  const db = new BetterSqlite3(join(dir, 'chaos.db'), { readonly: true });
  const final = db
    .prepare(
      `SELECT run_id, seq FROM steps WHERE kind IN ('step', 'tool', 'llm', 'escalation', 'event')
       AND status IN ('completed', 'degraded', 'escalated', 'failed')`,
    )
    .all() as Array<{ run_id: string; seq: number }>;
  const entries = db
    .prepare(`SELECT run_id, data FROM audit_entries WHERE type IN ('step.completed', 'step.failed')`)
    .all() as Array<{ run_id: string; data: string }>;
  db.close();
  const audited = new Set(entries.map((e) => `${e.run_id}:${(JSON.parse(e.data) as { seq: number }).seq}`));
  const missing = final.filter((s) => !audited.has(`${s.run_id}:${s.seq}`)).length;
  expect(final.length).toBeGreaterThan(0);
  expect(report.totals.audit).toEqual({ outcomes: final.length, missing });
  // On SQLite a step's entry commits with the step: no kill can leave one without the other.
  expect(missing).toBe(0);
  const lost = report.findings.filter((f) => f.code === 'audit_entries_lost');
  expect(lost).toHaveLength(missing > 0 ? 1 : 0);
});
