/**
 * `vigil chaos` as a user runs it: a child process on the fixture agent with `--json` and
 * `--html`; the table on stdout, the two files, and the exit code of the verdict.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, expect, it } from 'vitest';

import type { ChaosReport } from '../../src/testing/index.js';
import { runCli } from '../helpers/processes.js';

const AGENT = fileURLToPath(new URL('../fixtures/chaos-agent.ts', import.meta.url));
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-chaos-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `vigil chaos --load <fixture> --workflow <workflow> ...flags`, run in the test's directory. */
function chaos(workflow: string, ...flags: string[]): ReturnType<typeof runCli> {
  return runCli(['chaos', '--load', AGENT, '--workflow', workflow, ...flags], { cwd: dir });
}

it('prints the table and writes the JSON and HTML reports', { timeout: 180_000 }, async () => {
  const result = await chaos(
    'chaos.order',
    ...['--runs', '4', '--scenarios', 'happy,timeout', '--workers', '1', '--seed', 'cli'],
    ...['--db', join(dir, 'chaos.db'), '--json', 'report.json', '--html', 'report.html'],
  );
  expect(result.stderr).toContain('chaos: scenario happy, 2 runs');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^happy\s+2\s+100\.0%/m);
  expect(result.stdout).toContain('verdict: PASSED');

  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ChaosReport;
  expect(report.seed).toBe('cli');
  expect(report.scenarios.map((s) => [s.scenario, s.runs])).toEqual([
    ['happy', 2],
    ['timeout', 2],
  ]);
  // Every tool waits past its timeout: the first tool (no fallback) exhausts its retries and the run ends failed.
  const timeout = report.scenarios[1]!;
  expect(timeout.successRate).toBe(0);
  expect(timeout.deadLetters + timeout.failed).toBe(2);
  expect(timeout.stepLatency.p50).toBeGreaterThan(0);

  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  expect(html).toMatch(/^<!doctype html>/);
  expect(html).toContain('<svg');
  expect(html).toContain('Success rate by scenario');
  expect(html).not.toMatch(/<script|https?:\/\//);
});

it('fails the verdict below --min-success and names a missing workflow', { timeout: 180_000 }, async () => {
  const failing = await chaos(
    'chaos.order',
    ...['--runs', '1', '--scenarios', 'timeout', '--workers', '1', '--min-success', '0.5'],
  );
  expect(failing.code).toBe(1);
  expect(failing.stdout).toContain('verdict: FAILED: success rate 0.0% is below --min-success 50.0%');

  const missing = await chaos('no.such');
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('exports no workflow named no.such; it exports: chaos.order [workflow_not_found]');
});
