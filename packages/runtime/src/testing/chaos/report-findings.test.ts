import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { defineTool } from '../../core/tool.js';
import { reportOf } from './chaos-report.fixture.js';
import { summarize, type ScenarioReport } from './chaos-report.js';
import type { ChaosScenario } from './options.js';
import { reportFindings, type FindingsInput } from './report-findings.js';
import { reportHtml } from './report-html.js';
import { reportTable } from './report-table.js';
import type { RunOutcome } from './run-outcome.js';

const lookup = defineTool({
  name: 'crm.lookup',
  input: z.object({}),
  output: z.object({}),
  run: () => ({}),
});
const quick = defineTool({
  name: 'cache.get',
  timeout: '500ms',
  input: z.object({}),
  output: z.object({}),
  run: () => ({}),
});

function row(scenario: ChaosScenario, over: Partial<RunOutcome> = {}, corruptions = 0, recovered = 0): ScenarioReport {
  const outcomes: RunOutcome[] = Array.from({ length: 4 }, (_, i) => ({
    runId: `${scenario}-${i}`,
    scenario,
    status: 'completed',
    errorCode: null,
    latencyMs: 80,
    stepMs: [10],
    usd: 0,
    escalated: false,
    harnessApprovals: 0,
    corruption: corruptions > i ? 'detected' : null,
    ...over,
  }));
  return summarize(scenario, outcomes, [], recovered, Array(recovered).fill(1500), corruptions);
}

function findings(scenarios: ScenarioReport[], over: Partial<FindingsInput> = {}) {
  return reportFindings({
    scenarios,
    tools: [lookup, quick],
    killWorkers: true,
    killIntervalMs: 2000,
    runTimeoutMs: 120_000,
    ...over,
  });
}

describe('reportFindings', () => {
  it('finds nothing when every row tested what it says', () => {
    expect(findings([row('happy', {}, 0, 2), row('corrupt', {}, 3)])).toEqual([]);
    expect(findings([row('happy')], { killWorkers: false })).toEqual([]);
  });

  it('says when the corrupt scenario corrupted nothing', () => {
    const [finding] = findings([row('corrupt')], { killWorkers: false });
    expect(finding).toMatchObject({ scenario: 'corrupt', code: 'no_corruption_injected' });
    expect(finding!.message).toContain('no checkpoint was corrupted in its 4 runs');
  });

  it('says when kills came before the tool timeouts the timeout scenario waits for', () => {
    const timeout = row('timeout', { status: 'timed_out', latencyMs: 120_100 }, 0, 5);
    const [finding] = findings([timeout]);
    expect(finding).toMatchObject({ scenario: 'timeout', code: 'kills_before_timeouts' });
    // Only the tool whose timeout is at least the kill interval is named.
    expect(finding!.message).toContain('4 of 4 runs were cancelled at the run timeout (2m)');
    expect(finding!.message).toContain('tool timeouts of crm.lookup 10s');
    expect(finding!.message).not.toContain('cache.get');
  });

  it('says when the run timeout is shorter than a tool’s attempts times its timeout', () => {
    const timeout = row('timeout', { status: 'timed_out' });
    const [finding] = findings([timeout], { killWorkers: false, runTimeoutMs: 20_000 });
    expect(finding).toMatchObject({ scenario: 'timeout', code: 'retries_outlast_run_timeout' });
    expect(finding!.message).toContain('shorter than a tool needs to time out on every attempt: crm.lookup 3 × 10s.');
    // Runs that timed out for a reason it cannot name get no finding.
    expect(findings([timeout], { killWorkers: false })).toEqual([]);
  });

  it('gives both reasons when both hold, and blames kills only when they hit runs', () => {
    const hit = row('timeout', { status: 'timed_out' }, 0, 2);
    const both = findings([hit], { runTimeoutMs: 20_000 }).map((f) => f.code);
    expect(both).toEqual(['retries_outlast_run_timeout', 'kills_before_timeouts']);
    const missed = findings([row('timeout', { status: 'timed_out' })], { runTimeoutMs: 20_000 }).map((f) => f.code);
    expect(missed).toEqual(['retries_outlast_run_timeout', 'no_kill_hit_a_run']);
  });

  it('names the scenarios where no run recovered from a kill', () => {
    const rows = [row('happy'), row('transient', {}, 0, 3), row('persistent', { latencyMs: 40 })];
    const [finding] = findings(rows);
    expect(finding).toMatchObject({ scenario: 'all', code: 'no_kill_hit_a_run' });
    expect(finding!.message).toMatch(/^happy, persistent: no run recovered from a kill/);
    expect(finding!.message).toContain('(kills: happy 0, persistent 0; kills come about every 2s');
    expect(findings([row('happy')])[0]).toMatchObject({ scenario: 'happy', code: 'no_kill_hit_a_run' });
  });

  it('counts the step outcomes missing from the audit trail, by scenario', () => {
    const happy = row('happy', { audit: { outcomes: 3, missing: 1 } }, 0, 2);
    const transient = row('transient', { audit: { outcomes: 3, missing: 0 } }, 0, 1);
    expect(happy.audit).toEqual({ outcomes: 12, missing: 4 });
    const [finding] = findings([happy, transient]);
    expect(finding).toMatchObject({ scenario: 'happy', code: 'audit_entries_lost' });
    expect(finding!.message).toMatch(/^4 of 24 step outcomes have no entry in the audit trail \(happy 4 of 12\)\./);
    // Outcomes not read (no `audit`) count as neither; a full trail gives no finding.
    expect(row('happy').audit).toEqual({ outcomes: 0, missing: 0 });
    expect(findings([transient])).toEqual([]);
  });

  it('prints the findings after the verdict, and in the HTML report', () => {
    const corrupt = row('corrupt');
    const report = reportOf(corrupt, { findings: findings([corrupt], { killWorkers: false }) });
    const lines = reportTable(report).trimEnd().split('\n');
    expect(lines.at(-3)).toBe('verdict: PASSED');
    expect(lines.at(-2)).toBe('findings:');
    expect(lines.at(-1)).toMatch(/^- corrupt: no checkpoint was corrupted/);
    const html = reportHtml(report);
    expect(html).toContain('<h2>Findings</h2>');
    expect(html).toContain('<code>no_corruption_injected</code> corrupt: no checkpoint was corrupted');
    expect(reportTable({ ...report, findings: [] })).not.toContain('findings:');
  });
});
