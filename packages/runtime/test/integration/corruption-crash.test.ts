/**
 * A corrupted checkpoint found by a worker that is then SIGKILLed while re-running the step: the
 * re-run's "started" row has already replaced the bad one, so the next worker sees an
 * interrupted attempt (not a corruption) and finishes it as attempt 2. Executions are counted by
 * an external ledger; the bit is flipped with `corruptCheckpoint`.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';

import { corruptCheckpoint } from '../../src/testing/corrupt-checkpoint.js';
import { napper } from '../fixtures/workflows.js';
import { eventually, readLedger } from '../helpers/processes.js';
import { WorkerScene } from '../helpers/worker-scene.js';

let scene: WorkerScene;
beforeEach(() => {
  scene = new WorkerScene('corruption-crash', [napper]);
});
afterEach(() => scene.cleanup());

it('re-runs a corrupted idempotent step, and a crash during the re-run leaves an interrupted attempt, not a corruption', async () => {
  const a = scene.worker();
  await a.waitFor(/worker started/);
  const { id } = await scene.client.start(napper, { sleepMs: 2000, ledger: scene.ledger });
  await eventually(async () => ((await scene.client.getRun(id))?.status === 'sleeping' ? true : undefined), 30_000);
  await a.kill();
  await corruptCheckpoint({ database: scene.db, runId: id, seq: 1, field: 'output', bit: 9 });
  expect((await scene.client.getRun(id))!.steps[0]!.intact).toBe(false);

  // Dies when the re-run's body returns: its "started" row committed, its outcome did not.
  const b = scene.worker({ VIGIL_FAILPOINTS: 'step.after-body=kill@1' });
  await b.waitFor(/worker started/);
  await eventually(() => (readLedger(scene.ledger).length === 2 ? true : undefined), 30_000, 'the re-run');
  await b.exit();
  const afterCrash = (await scene.client.getRun(id))!.steps[0]!;
  expect(afterCrash).toMatchObject({ status: 'running', intact: true });

  const c = scene.worker();
  await c.waitFor(/worker started/);
  const done = await eventually(async () => {
    const run = await scene.client.getRun(id);
    return run?.status === 'completed' ? run : undefined;
  }, 30_000);
  expect(done.output).toBe(true);
  expect(done.steps.every((s) => s.intact)).toBe(true);
  expect(readLedger(scene.ledger).map((l) => [l.step, l.attempt, l.pid])).toEqual([
    ['before', 1, a.pid],
    ['before', 1, b.pid],
    ['before', 2, c.pid],
    ['after', 1, c.pid],
  ]);
  expect(b.stderr + b.stdout).toMatch(/checkpoint corrupted/);
  expect(c.stderr + c.stdout).not.toMatch(/checkpoint corrupted/);
});
