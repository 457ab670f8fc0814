/**
 * 200 runs through two worker processes on one SQLite file while a worker is SIGKILLed and
 * replaced every one to two seconds. None may be lost, none stuck, none completed twice, and
 * no run may ever be left with neither a lease nor a wake-up time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { createVigil, type Vigil } from '../../src/compose.js';
import { chain } from '../fixtures/workflows.js';
import { FIXTURES, VigilProcess, eventually, readLedger, sleep } from '../helpers/processes.js';

const RUNS = 200;
const STEPS = 5;
let dir: string;
let db: string;
let client: Vigil;
const workers: VigilProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-storm-'));
  db = join(dir, 'vigil.db');
  client = createVigil({ database: db, workflows: [chain] });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

function startWorker(): VigilProcess {
  const w = new VigilProcess(['worker', '--db', db, '--load', FIXTURES, '--lease-ttl', '800'], { cwd: dir });
  workers.push(w);
  return w;
}

it(`loses none of ${RUNS} runs while workers are killed every 1–2 s`, { timeout: 180_000 }, async () => {
  const ledger = join(dir, 'ledger.jsonl');
  await client.ready();
  const ids: string[] = [];
  for (let i = 0; i < RUNS; i++)
    ids.push((await client.start(chain, { steps: STEPS, stepMs: 150, ledger }, { idempotencyKey: `storm-${i}` })).id);

  const live = [startWorker(), startWorker()];
  const inspector = new BetterSqlite3(db, { readonly: true });
  const orphans = inspector.prepare(
    `SELECT count(*) AS n FROM runs WHERE status NOT IN ('completed','completed_partial','failed','cancelled','dead_lettered')
       AND ready_at IS NULL AND lease_owner IS NULL`,
  );
  const open = inspector.prepare(`SELECT count(*) AS n FROM runs WHERE status != 'completed'`);
  let kills = 0;
  let orphanSightings = 0;
  let done = false;

  const checker = (async () => {
    while (!done) {
      if ((orphans.get() as { n: number }).n > 0) orphanSightings++;
      await sleep(100);
    }
  })();
  const killer = (async () => {
    while (!done) {
      await sleep(1000 + Math.random() * 1000);
      if (done) break;
      const index = Math.floor(Math.random() * live.length);
      await live[index]!.kill('SIGKILL');
      kills++;
      live[index] = startWorker();
    }
  })();

  await eventually(() => ((open.get() as { n: number }).n === 0 ? true : undefined), 150_000, 'every run to complete');
  done = true;
  await Promise.all([checker, killer]);

  expect(kills).toBeGreaterThanOrEqual(3);
  expect(orphanSightings).toBe(0);
  const summary = inspector.prepare(`SELECT status, count(*) AS n FROM runs GROUP BY status`).all() as Array<{
    status: string;
    n: number;
  }>;
  expect(summary).toEqual([{ status: 'completed', n: RUNS }]);
  // One row per step per run: no duplicate or missing checkpoints.
  const stepRows = inspector.prepare(`SELECT run_id, count(*) AS n FROM steps GROUP BY run_id`).all() as Array<{
    n: number;
  }>;
  expect(stepRows).toHaveLength(RUNS);
  expect(stepRows.every((row) => row.n === STEPS)).toBe(true);

  const lines = readLedger(ledger);
  const perStep = new Map<string, number>();
  for (const line of lines)
    perStep.set(`${line.runId}/${line.step}`, (perStep.get(`${line.runId}/${line.step}`) ?? 0) + 1);
  expect(perStep.size).toBe(RUNS * STEPS);
  // Each kill can catch at most 32 steps in flight (two workers × 16 slots, one step per run).
  const extra = [...perStep.values()].reduce((sum, n) => sum + n - 1, 0);
  process.stdout.write(`kill storm: ${kills} kills, ${extra} extra step executions\n`);
  expect(extra).toBeLessThanOrEqual(kills * 16);
  for (const id of ids) {
    const run = await client.getRun(id);
    expect(run!.output).toEqual(Array.from({ length: STEPS }, (_, i) => `step-${i + 1}:${id.slice(-4)}`));
    for (const step of run!.steps) expect(perStep.get(`${id}/${step.name}`)).toBeLessThanOrEqual(step.attempts);
  }
  inspector.close();
});
