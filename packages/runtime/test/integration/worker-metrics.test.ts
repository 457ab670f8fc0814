/**
 * `vigil worker --metrics-port`: a worker serves no API, yet its counters are its own, so it
 * serves `GET /metrics` for Prometheus to scrape. A real child process executes a run started
 * by this process; each process reports what it did, and both the same deployment gauges.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, expect, it } from 'vitest';

import { createVigil } from '../../src/compose.js';
import { chain } from '../fixtures/workflows.js';
import { FIXTURES, VigilProcess, eventually } from '../helpers/processes.js';
import { parseScrape } from '../helpers/scrape.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('serves the worker process its own counters at --metrics-port, behind a read key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-worker-metrics-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'vigil.db');
  const client = createVigil({ database: db, workflows: [chain] });
  cleanups.push(() => client.close());
  await client.ready();
  const { key } = await client.keys.create({ role: 'viewer', name: 'prometheus' });

  const worker = new VigilProcess(['worker', '--db', db, '--load', FIXTURES, '--metrics-port', '0'], { cwd: dir });
  cleanups.push(async () => void (await worker.kill('SIGTERM')));
  const [, url] = await worker.waitFor(/"url":"([^"]+\/metrics)"[^\n]*"msg":"metrics listening"/);

  const { id } = await client.start(chain, { steps: 2, stepMs: 0, ledger: join(dir, 'ledger.jsonl') });
  await client.result(id, { signal: AbortSignal.timeout(20_000), pollMs: 50 });

  expect((await fetch(url!)).status).toBe(401);
  const scrape = async () => {
    const res = await fetch(url!, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    return parseScrape(await res.text());
  };
  // The worker finished the run and its steps; it did not start it.
  const worked = await eventually(async () => {
    const m = await scrape();
    return m.value('vigil_runs_finished_total', { workflow: 'test.chain', status: 'completed' }) === 1 ? m : undefined;
  }, 20_000);
  expect(
    worked.value('vigil_step_duration_seconds_count', { workflow: 'test.chain', kind: 'step', status: 'completed' }),
  ).toBe(2);
  expect(worked.value('vigil_runs_started_total', { workflow: 'test.chain' })).toBeUndefined();
  expect(worked.value('vigil_process_resident_memory_bytes')).toBeGreaterThan(0);

  // This process started it and finished nothing; the gauges are the same deployment's.
  const here = parseScrape(await client.metrics.scrape());
  expect(here.value('vigil_runs_started_total', { workflow: 'test.chain' })).toBe(1);
  expect(here.samples('vigil_runs_finished_total')).toEqual([]);
  expect(here.value('vigil_dead_letters')).toBe(0);
  expect(worked.value('vigil_dead_letters')).toBe(0);
});
