import type { ChaosReport, ScenarioReport } from './chaos-report.js';

/** A passing report of one scenario row, for the table and HTML tests; `over` replaces any field. */
export function reportOf(row: ScenarioReport, over: Partial<ChaosReport> = {}): ChaosReport {
  return {
    workflow: 'test.report',
    seed: 's',
    database: ':memory:',
    ledgerFile: 'ledger.jsonl',
    startedAt: new Date(0).toISOString(),
    durationMs: 1000,
    options: { runs: row.runs, workers: 1, killWorkers: false, failRate: 0, concurrency: 1, approve: [] },
    scenarios: [row],
    totals: { ...row, scenario: 'all' },
    passed: true,
    failures: [],
    findings: [],
    runs: [],
    ...over,
  };
}
