import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createVigil } from 'vigil';
import { afterEach, beforeEach, expect, it } from 'vitest';

import { discharge } from './discharge.js';

let dir: string;
beforeEach(() => {
  process.env['DISCHARGE_LATENCY_MS'] = '1';
  dir = mkdtempSync(join(tmpdir(), 'vigil-discharge-'));
});
afterEach(() => {
  delete process.env['DISCHARGE_LATENCY_MS'];
  rmSync(dir, { recursive: true, force: true });
});

it('discharges a patient through the six declared steps', async () => {
  const vigil = createVigil({ database: join(dir, 'vigil.db'), workflows: [discharge], worker: { pollMs: 50 } });
  const { id } = await vigil.start(discharge, { patientId: 'P-1001' });
  const output = await vigil.result<{ patientId: string; pharmacyOrder: string; summary: string }>(id);
  expect(output.patientId).toBe('P-1001');
  expect(output.pharmacyOrder).toMatch(/^RX-\d+$/);
  expect(output.summary).toContain('Discharge summary for');
  const run = await vigil.getRun(id);
  expect(run!.steps.filter((s) => s.kind === 'step').map((s) => s.name)).toEqual(discharge.steps);
  expect(run!.progress.summary).toBe('Discharge completed: 6/6 steps complete.');
  await expect(vigil.start(discharge, { patientId: '1001' })).rejects.toThrow(
    /input\.patientId: patientId looks like P-1001/,
  );
  await vigil.close();
});
