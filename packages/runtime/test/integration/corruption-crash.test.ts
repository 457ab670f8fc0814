/**
 * A corrupted checkpoint found by a worker that is then SIGKILLed while re-running the step: the
 * re-run's "started" row has already replaced the bad one, so the next worker sees an
 * interrupted attempt (not a corruption) and finishes it as attempt 2. Executions are counted by
 * an external ledger; the bit is flipped with `corruptCheckpoint`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, expect, it } from 'vitest';

import { createVigil, type Vigil } from '../../src/compose.js';
import { corruptCheckpoint } from '../../src/testing/corrupt-checkpoint.js';
import { napper } from '../fixtures/workflows.js';
import { FIXTURES, VigilProcess, eventually, readLedger } from '../helpers/processes.js';

let dir: string;
let db: string;
let ledger: string;
let client: Vigil;
const processes: VigilProcess[] = [];

function worker(env: Record<string, string> = {}): VigilProcess {
  const child = new VigilProcess(['worker', '--db', db, '--load', FIXTURES, '--lease-ttl', '1500'], { cwd: dir, env });
  processes.push(child);
  return child;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-corruption-crash-'));
  db = join(dir, 'vigil.db');
  ledger = join(dir, 'ledger.jsonl');
  client = createVigil({ database: db, workflows: [napper] });
});

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

it('re-runs a corrupted idempotent step, and a crash during the re-run leaves an interrupted attempt, not a corruption', async () => {
  const a = worker();
  await a.waitFor(/worker started/);
  const { id } = await client.start(napper, { sleepMs: 2000, ledger });
  await eventually(async () => ((await client.getRun(id))?.status === 'sleeping' ? true : undefined), 30_000);
  await a.kill();
  await corruptCheckpoint({ database: db, runId: id, seq: 1, field: 'output', bit: 9 });
  expect((await client.getRun(id))!.steps[0]!.intact).toBe(false);

  // Dies when the re-run's body returns: its "started" row committed, its outcome did not.
  const b = worker({ VIGIL_FAILPOINTS: 'step.after-body=kill@1' });
  await b.waitFor(/worker started/);
  await eventually(() => (readLedger(ledger).length === 2 ? true : undefined), 30_000, 'the re-run');
  await b.exit();
  const afterCrash = (await client.getRun(id))!.steps[0]!;
  expect(afterCrash).toMatchObject({ status: 'running', intact: true });

  const c = worker();
  await c.waitFor(/worker started/);
  const done = await eventually(async () => {
    const run = await client.getRun(id);
    return run?.status === 'completed' ? run : undefined;
  }, 30_000);
  expect(done.output).toBe(true);
  expect(done.steps.every((s) => s.intact)).toBe(true);
  expect(readLedger(ledger).map((l) => [l.step, l.attempt, l.pid])).toEqual([
    ['before', 1, a.pid],
    ['before', 1, b.pid],
    ['before', 2, c.pid],
    ['after', 1, c.pid],
  ]);
  expect(b.stderr + b.stdout).toMatch(/checkpoint corrupted/);
  expect(c.stderr + c.stdout).not.toMatch(/checkpoint corrupted/);
});
