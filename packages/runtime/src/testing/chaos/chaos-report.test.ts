import { expect, it } from 'vitest';

import { REPORT_OPTIONS, reportOf } from './chaos-report.fixture.js';
import { summarize, verdict } from './chaos-report.js';
import { reportHtml } from './report-html.js';
import { reportTable } from './report-table.js';
import type { RunOutcome } from './run-outcome.js';

function outcome(runId: string, over: Partial<RunOutcome>): RunOutcome {
  return {
    runId,
    scenario: 'transient',
    status: 'completed',
    errorCode: null,
    latencyMs: 100,
    stepMs: [10],
    usd: 0,
    escalated: false,
    harnessApprovals: 0,
    corruption: null,
    ...over,
  };
}

// Four runs: one approved by the harness twice, one by the harness once, one waiting on a person, one plain.
const outcomes = [
  outcome('r1', { escalated: true, harnessApprovals: 2 }),
  outcome('r2', { escalated: true, harnessApprovals: 1 }),
  outcome('r3', { status: 'escalated', escalated: true }),
  outcome('r4', {}),
];

it('counts runs whose approvals the harness granted apart, and still as escalated', () => {
  const row = summarize('transient', outcomes, [], 0, [], 0);
  expect(row).toMatchObject({ runs: 4, escalations: 3, escalationRate: 0.75, harnessApproved: 2, succeeded: 3 });
});

it('shows the harness-approved count in the terminal table and the HTML report', () => {
  const row = summarize('transient', outcomes, [], 0, [], 0);
  const totals = { ...row, scenario: 'all' as const };
  const report = reportOf(row, {
    totals,
    options: { ...REPORT_OPTIONS, runs: 4, approve: ['finance'] },
    failures: verdict([row], totals, null),
    runs: outcomes,
  });
  const lines = reportTable(report).split('\n');
  const header = lines[1]!.split(/\s{2,}/);
  const cells = lines[3]!.split(/\s{2,}/);
  expect(header.slice(3, 5)).toEqual(['escalated', 'harness-approved']);
  expect(cells.slice(3, 5)).toEqual(['75.0%', '2']);
  const html = reportHtml(report);
  expect(html).toContain('The harness granted the approvals of finance (<code>--approve</code>) in 2 of 4 runs');
  expect(html).toContain('harness-approved');
});

it('names the tool the persistent scenario broke in the table and the HTML report, and only when it ran', () => {
  const deadLettered = [outcome('r1', { scenario: 'persistent', status: 'dead_lettered' })];
  const row = summarize('persistent', deadLettered, [], 0, [], 0);
  const options = { ...REPORT_OPTIONS, scenarios: ['persistent' as const] };
  const report = reportOf(row, { options: { ...options, faultTool: 'crm.lookup' } });
  const lines = reportTable(report).split('\n');
  const named =
    'persistent: crm.lookup failed every attempt (--fault-tool names the tool; without it the seed chooses)';
  expect(lines[lines.indexOf('verdict: PASSED') - 1]).toBe(named);
  expect(reportHtml(report)).toContain(named);
  expect(reportTable({ ...report, options: { ...options, faultTool: '*' } })).toContain(
    'persistent: every tool failed every attempt',
  );
  expect(reportTable({ ...report, options })).not.toContain('persistent:');
});

it('gives the HTML report an HTML table with every column, the totals at its foot', () => {
  const row = summarize('transient', outcomes, [], 0, [], 0);
  const html = reportHtml(reportOf(row));
  expect(html).not.toContain('<pre>');
  const head = /<thead><tr>(.*?)<\/tr><\/thead>/.exec(html)![1]!;
  expect([...head.matchAll(/<th>(.*?)<\/th>/g)].map((m) => m[1])).toEqual(
    reportTable(reportOf(row)).split('\n')[1]!.trim().split(/ {2,}/),
  );
  expect(head).toContain('<th>corrupt det/silent</th>');
  expect(/<tbody><tr><td>transient<\/td><td>4<\/td><td>75.0%<\/td>/.test(html)).toBe(true);
  expect(/<tfoot><tr><td>all<\/td><td>4<\/td>/.test(html)).toBe(true);
});
