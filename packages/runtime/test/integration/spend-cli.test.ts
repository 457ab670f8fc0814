/**
 * Spend and budgets through the CLI against `vigil dev`: a run held by its budget, the spend
 * table, the limits, raising the run's limit, and the run going on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SpendReport } from '../../src/runtime/budget-client.js';
import type { EscalationView } from '../../src/runtime/operator-views.js';
import type { RunDetails } from '../../src/runtime/run-view.js';
import { DEV_KEY_LINE, VigilProcess, eventually, runCli } from '../helpers/processes.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/spend-workflows.ts', import.meta.url));

let dir: string;
let dev: VigilProcess;
let url: string;
let key: string;

const cli = (...args: string[]) => runCli([...args, '--url', url], { cwd: dir, env: { VIGIL_API_KEY: key } });
const api = async <T>(path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as T;
};
const runReaches = (id: string, status: string) =>
  eventually(
    async () => {
      const run = await api<RunDetails>(`/v1/runs/${id}`);
      return run.status === status ? run : undefined;
    },
    15_000,
    `run ${status}`,
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-spend-'));
  // The config file's daily limit for the whole deployment.
  writeFileSync(join(dir, 'vigil.config.mjs'), 'export default { budgets: { globalPerDayUsd: 10 } };\n');
  dev = new VigilProcess(['dev', '--port', '0', '--db', join(dir, 'vigil.db'), '--load', FIXTURES], { cwd: dir });
  url = (await dev.waitFor(/API\s+(http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  key = (await dev.waitFor(DEV_KEY_LINE))[1]!;
});
afterAll(async () => {
  await dev.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('spend CLI against vigil dev', { timeout: 60_000 }, () => {
  it('shows spend and limits, and raising a run budget lets its run go on', async () => {
    const { id } = await api<{ id: string }>('/v1/runs', { workflow: 'test.labs', input: { patientId: 'P-1' } });
    await runReaches(id, 'waiting');

    const [table, byModel, limits, missing] = await Promise.all([
      cli('spend'),
      cli('spend', '--by', 'model', '-o', 'json'),
      cli('budgets', 'list'),
      cli('budgets', 'set', '--scope', 'run', '--key', id),
    ]);
    expect(table.stdout).toMatch(/WORKFLOW\s+USD\s+CALLS/);
    expect(table.stdout).toMatch(/test\.labs\s+\$0\.40\s+2/);
    expect((JSON.parse(byModel.stdout) as SpendReport).groups).toEqual([
      expect.objectContaining({ group: 'lab.order', usd: 0.4, calls: 2 }),
    ]);
    expect(limits.stdout).toMatch(/global\s+global\s+\$10\.00\s+\$10\.00\s+-\s+\$0\.40\s+\$0\.00\s+\$9\.60/);
    expect(limits.stdout).toMatch(/test\.labs@1\s+test\.labs\s+\$0\.50\s+-\s+-\s+escalate/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Give either --usd <amount> or --remove');

    const set = await cli('budgets', 'set', '--scope', 'run', '--key', id, '--usd', '2');
    expect(set.stdout).toContain(`The run limit of ${id} is now $2 ($0.4 spent, $0 reserved)`);
    const [escalation] = (await api<{ escalations: EscalationView[] }>(`/v1/escalations?runId=${id}`)).escalations;
    expect(escalation).toMatchObject({ kind: 'budget', step: 'culture' });
    await api(`/v1/escalations/${escalation!.id}/resolve`, { decision: 'retry' });
    const run = await runReaches(id, 'completed');
    expect(run.costUsd).toBeCloseTo(0.6, 9);

    const after = await cli('spend', '--since', '1d', '--by', 'run');
    expect(after.stdout).toMatch(new RegExp(`${id}\\s+\\$0\\.60\\s+3`));
    const shown = await cli('runs', 'show', id);
    expect(shown.stdout).toMatch(/Cost\s+\$0\.6/);
  });
});
