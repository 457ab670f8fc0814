/**
 * Spend and budgets through the CLI against `vigil dev`: a run held by its budget, the spend
 * table, the limits, raising the run's limit, and the run going on.
 */
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SpendReport } from '../../src/runtime/budget-client.js';
import type { EscalationView } from '../../src/runtime/operator-views.js';
import type { RunDetails } from '../../src/runtime/run-view.js';
import { DevServer } from '../helpers/dev-server.js';
import { eventually } from '../helpers/processes.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/spend-workflows.ts', import.meta.url));

let dev: DevServer;

const cli = (...args: string[]) => dev.cli(...args);
const api = <T>(path: string, body?: unknown) => dev.api<T>(path, body);
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
  dev = await DevServer.start('vigil-spend-', FIXTURES, {
    files: { 'vigil.config.mjs': 'export default { budgets: { globalPerDayUsd: 10 } };\n' },
  });
});
afterAll(() => dev.close());

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
