/**
 * The report's findings from a real chaos run: worker processes SIGKILLed by timer, a tool
 * answering only after its timeout, the corrupt scenario looking for runs to flip. The agent is
 * built so that both scenarios test less than their names say (its tool's three 10 s attempts
outlast the 5 s run timeout; its only call is the run's last result), and the report must say so.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, expect, it } from 'vitest';

import { reportTable, runChaos, type ChaosReport } from '../../src/testing/index.js';

const AGENT = fileURLToPath(new URL('../fixtures/chaos-lookup-agent.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vigil-chaos-findings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('says which rows tested less than their names say', async () => {
  const report: ChaosReport = await runChaos({
    load: AGENT,
    workflow: 'chaos.lookup',
    runs: 6,
    scenarios: ['timeout', 'corrupt'],
    killWorkers: true,
    killInterval: '1s',
    leaseTtl: '1s',
    runTimeout: '5s',
    seed: 'findings',
    database: join(dir, 'chaos.db'),
    json: join(dir, 'report.json'),
    progress: null,
  });
  const timeout = report.scenarios.find((s) => s.scenario === 'timeout')!;
  const corrupt = report.scenarios.find((s) => s.scenario === 'corrupt')!;
  // The ground truth the findings rest on: every timeout run was cancelled; nothing was flipped.
  expect(timeout.timedOut).toBe(3);
  expect(corrupt.corruption.injected).toBe(0);
  expect(corrupt.successRate).toBe(1);

  const codes = report.findings.map((f) => `${f.scenario}:${f.code}`);
  expect(codes).toContain('timeout:retries_outlast_run_timeout');
  expect(codes).toContain('corrupt:no_corruption_injected');
  const short = report.findings.find((f) => f.code === 'retries_outlast_run_timeout')!;
  expect(short.message).toContain('3 of 3 runs were cancelled at the run timeout (5s)');
  expect(short.message).toContain('crm.lookup 3 × 10s');
  // Findings do not fail the verdict; they are in the JSON and under the table.
  expect(report.passed).toBe(true);
  const saved = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ChaosReport;
  expect(saved.findings).toEqual(report.findings);
  expect(reportTable(report)).toContain('\nfindings:\n- timeout: 3 of 3 runs were cancelled');
}, 120_000);
