/**
 * A worker process SIGKILLed right after an agent-memory write: the standby worker replays the
 * write from the run's history and never applies it again. Executions are counted by an external
 * ledger; the memory row is read from the database.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';

import { counter } from '../fixtures/workflows.js';
import { eventually, readLedger } from '../helpers/processes.js';
import { WorkerScene } from '../helpers/worker-scene.js';

let scene: WorkerScene;
beforeEach(() => {
  scene = new WorkerScene('memory-crash', [counter]);
});
afterEach(() => scene.cleanup());

it('applies an agent-memory write once when its worker is killed right after it', async () => {
  // Dies on its first step body's return: after the memory write committed, before "after" did.
  const a = scene.worker({ VIGIL_FAILPOINTS: 'step.after-body=kill@1' });
  await a.waitFor(/worker started/);
  const { id } = await scene.client.start(counter, { ledger: scene.ledger });
  await eventually(() => (readLedger(scene.ledger).length === 1 ? true : undefined), 30_000, 'the first attempt');
  const b = scene.worker();
  await b.waitFor(/worker started/);

  const result = await eventually(async () => {
    const run = await scene.client.getRun(id);
    return run?.status === 'completed' ? run : undefined;
  }, 30_000);
  expect(result.output).toEqual({ count: 0, version: 1 });
  expect(readLedger(scene.ledger).map((l) => [l.step, l.attempt, l.pid])).toEqual([
    ['after', 1, a.pid],
    ['after', 2, b.pid],
  ]);
  await scene.client.ready();
  expect(await scene.client.store.memory.get('test.counter', 'count')).toMatchObject({ value: '1', version: 1 });

  // The next run reads what the first one wrote.
  const next = await scene.client.start(counter, { ledger: scene.ledger });
  expect(await scene.client.result(next.id, { signal: AbortSignal.timeout(30_000) })).toEqual({ count: 1, version: 2 });
});
