/**
 * The audit trail across a SIGKILL right after a step's outcome committed (G9): on SQLite the
 * outcome's `step.completed` entry is appended in the step's own transaction, so the killed
 * worker cannot leave the step durable and its entry lost. Before, the entry waited in the
 * process for the recorder's next flush (20 ms) and died with it.
 */
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';

import { chain } from '../fixtures/workflows.js';
import { WorkerScene } from '../helpers/worker-scene.js';

let scene: WorkerScene;
beforeEach(() => {
  scene = new WorkerScene('audit-crash', [chain]);
});
afterEach(() => scene.cleanup());

/** The step rows with an outcome, and the seqs the trail has a step.completed entry for. */
function readTrail(db: string, runId: string) {
  const sqlite = new BetterSqlite3(db, { readonly: true });
  try {
    const done = sqlite
      .prepare(`SELECT seq FROM steps WHERE run_id = ? AND status = 'completed' ORDER BY seq`)
      .all(runId) as Array<{ seq: number }>;
    const entries = sqlite
      .prepare(`SELECT type, data FROM audit_entries WHERE run_id = ? ORDER BY seq`)
      .all(runId) as Array<{ type: string; data: string }>;
    const audited = entries
      .filter((e) => e.type === 'step.completed')
      .map((e) => (JSON.parse(e.data) as { seq: number }).seq);
    return { completed: done.map((s) => s.seq), audited, types: entries.map((e) => e.type) };
  } finally {
    sqlite.close();
  }
}

it('keeps the entry of a step that committed just before its worker was killed', async () => {
  // Dies the moment the first step's outcome has committed (with the second step's start).
  const a = scene.worker({ VIGIL_FAILPOINTS: 'step.after-commit=kill@1' });
  await a.waitFor(/worker started/);
  const { id } = await scene.client.start(chain, { steps: 3, stepMs: 0, ledger: scene.ledger });
  await a.exit();
  expect(a.child.signalCode).toBe('SIGKILL');

  const atKill = readTrail(scene.db, id);
  expect(atKill.completed).toEqual([1]);
  expect(atKill.audited).toEqual([1]);

  // Another worker finishes the run: every outcome has its entry, once, and the chain verifies.
  const b = scene.worker();
  await b.waitFor(/worker started/);
  await scene.client.result(id, { signal: AbortSignal.timeout(30_000) });
  await scene.client.audit.flush();
  const after = readTrail(scene.db, id);
  expect(after.completed).toEqual([1, 2, 3]);
  expect(after.audited).toEqual([1, 2, 3]);
  expect(await scene.client.audit.verify()).toMatchObject({ ok: true });
});
