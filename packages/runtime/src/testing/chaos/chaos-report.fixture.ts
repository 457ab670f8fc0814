import type { ChaosReport, ScenarioReport } from './chaos-report.js';

/** The options of a one-worker run without kills or faults, for the reports below. */
export const REPORT_OPTIONS: ChaosReport['options'] = {
  runs: 1,
  scenarios: ['happy'],
  workers: 1,
  killWorkers: false,
  killIntervalMs: 2000,
  leaseTtlMs: 2000,
  runTimeoutMs: 120_000,
  latencyMs: 0,
  rateLimit: null,
  failRate: 0,
  concurrency: 1,
  minSuccess: null,
  inputs: null,
  approve: [],
};

/** A passing report of one scenario row, for the table and HTML tests; `over` replaces any field. */
export function reportOf(row: ScenarioReport, over: Partial<ChaosReport> = {}): ChaosReport {
  return {
    workflow: 'test.report',
    seed: 's',
    database: ':memory:',
    ledgerFile: 'ledger.jsonl',
    startedAt: new Date(0).toISOString(),
    durationMs: 1000,
    options: { ...REPORT_OPTIONS, runs: row.runs },
    scenarios: [row],
    totals: { ...row, scenario: 'all' },
    passed: true,
    failures: [],
    findings: [],
    runs: [],
    ...over,
  };
}
