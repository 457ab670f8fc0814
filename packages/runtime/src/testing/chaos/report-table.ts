import type { ChaosReport, ScenarioReport } from './chaos-report.js';

const COLUMNS: Array<[string, (r: ScenarioReport) => string]> = [
  ['scenario', (r) => r.scenario],
  ['runs', (r) => String(r.runs)],
  ['success', (r) => pct(r.successRate)],
  ['escalated', (r) => pct(r.escalationRate)],
  ['harness-approved', (r) => String(r.harnessApproved)],
  ['dead letters', (r) => String(r.deadLetters)],
  ['run p50/p95', (r) => `${ms(r.runLatency.p50)}/${ms(r.runLatency.p95)}`],
  ['step p50/p95', (r) => `${ms(r.stepLatency.p50)}/${ms(r.stepLatency.p95)}`],
  ['cost', (r) => `$${r.costUsd.toFixed(4)}`],
  ['kills', (r) => String(r.kills)],
  ['recovery p50/max', (r) => (r.recovery.p50 === null ? '-' : `${ms(r.recovery.p50)}/${ms(r.recovery.max!)}`)],
  ['duplicates', (r) => String(r.duplicateSideEffects)],
  [
    'corrupt det/silent',
    (r) => (r.corruption.injected === 0 ? '-' : `${r.corruption.detected}/${r.corruption.silentlyUsed}`),
  ],
];

/** The table's column names and its cells: one row per scenario, then the totals row. */
export function tableCells(report: ChaosReport): { header: string[]; rows: string[][] } {
  return {
    header: COLUMNS.map(([name]) => name),
    rows: [...report.scenarios, report.totals].map((r) => COLUMNS.map(([, cell]) => cell(r))),
  };
}

/** The report as the terminal shows it: one row per scenario, a totals row, the verdict, then the findings. */
export function reportTable(report: ChaosReport): string {
  const { header, rows } = tableCells(report);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  const body = rows.map(line);
  body.splice(rows.length - 1, 0, rule);
  const verdict = report.passed ? 'PASSED' : `FAILED: ${report.failures.join('; ')}`;
  return [
    `vigil chaos: ${report.workflow}, seed ${report.seed}, ${report.totals.runs} runs in ${(report.durationMs / 1000).toFixed(1)} s`,
    line(header),
    rule,
    ...body,
    ...(report.options.faultTool === undefined ? [] : [persistentLine(report.options.faultTool)]),
    `verdict: ${verdict}`,
    ...(report.findings.length === 0 ? [] : ['findings:', ...report.findings.map((f) => `- ${f.message}`)]),
    '',
  ].join('\n');
}

/** Which tool the `persistent` row broke: without it, its dead letters or escalations name no cause. */
export function persistentLine(tool: string): string {
  return tool === '*'
    ? 'persistent: every tool failed every attempt (the module exports no tools to choose from)'
    : `persistent: ${tool} failed every attempt (--fault-tool names the tool; without it the seed chooses)`;
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}

function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)}s` : `${Math.round(value)}ms`;
}
