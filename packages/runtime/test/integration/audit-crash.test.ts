/**
 * The audit trail across a SIGKILL right after a write committed (G9): a step's outcome entry,
 * the run's entries still queued (a tool call's decision) and a run's `run.created` entry commit
 * in the write's own transaction (SQLite chains them there; PostgreSQL stages them there, and the
 * next append of any process chains them), so a killed process cannot leave the write durable
 * and its entries lost. Before, they waited in the process for the recorder's next flush (20 ms)
 * and died with it.
 */
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';

import { chain, lookup } from '../fixtures/workflows.js';
import { DevServer } from '../helpers/dev-server.js';
import { DIALECTS, type Dialect } from '../helpers/harness.js';
import { FIXTURES } from '../helpers/processes.js';
import { testSchema } from '../helpers/test-schema.js';
import { WorkerScene } from '../helpers/worker-scene.js';

interface Trail {
  /** The seqs of the run's completed steps. */
  completed: number[];
  /** The seqs the trail has a `step.completed` entry for, chained or staged. */
  audited: number[];
  /** The `policy.decided` entries, chained or staged. */
  decisions: number;
}

let scene: WorkerScene | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await scene?.cleanup();
  scene = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const COMPLETED = `SELECT seq FROM steps WHERE run_id = $1 AND status = 'completed' ORDER BY seq`;
const ENTRIES = `SELECT type, data FROM audit_entries WHERE run_id = $1 ORDER BY seq`;
const STAGED = `SELECT type, data FROM audit_staged WHERE run_id = $1 ORDER BY id`;
const DECISIONS = `SELECT count(*) AS n FROM audit_entries WHERE run_id = $1 AND type = 'policy.decided'`;
const STAGED_DECISIONS = `SELECT count(*) AS n FROM audit_staged WHERE run_id = $1 AND type = 'policy.decided'`;

function outcomes(entries: Array<{ type: string; data: string }>): number[] {
  return entries.filter((e) => e.type === 'step.completed').map((e) => (JSON.parse(e.data) as { seq: number }).seq);
}

function sqliteTrail(file: string, runId: string): Trail {
  const sqlite = new BetterSqlite3(file, { readonly: true });
  try {
    const sql = (text: string) => text.replace('$1', '?');
    const completed = sqlite.prepare(sql(COMPLETED)).all(runId) as Array<{ seq: number }>;
    const entries = sqlite.prepare(sql(ENTRIES)).all(runId) as Array<{ type: string; data: string }>;
    const { n } = sqlite.prepare(sql(DECISIONS)).get(runId) as { n: number };
    return { completed: completed.map((s) => s.seq), audited: outcomes(entries), decisions: n };
  } finally {
    sqlite.close();
  }
}

async function postgresTrail(server: string, schema: string, runId: string): Promise<Trail> {
  const client = new pg.Client({ connectionString: server, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const completed = (await client.query<{ seq: number }>(COMPLETED, [runId])).rows;
    const entries = (await client.query<{ type: string; data: string }>(ENTRIES, [runId])).rows;
    const staged = (await client.query<{ type: string; data: string }>(STAGED, [runId])).rows;
    const count = async (sql: string) => Number((await client.query<{ n: string }>(sql, [runId])).rows[0]!.n);
    const decisions = (await count(DECISIONS)) + (await count(STAGED_DECISIONS));
    return { completed: completed.map((s) => s.seq), audited: outcomes([...entries, ...staged]).sort(), decisions };
  } finally {
    await client.end();
  }
}

/** A scene on `dialect`'s database (cleaned up after the test), and how to read a run's trail from it directly. */
function stage(dialect: Dialect): { scene: WorkerScene; trail: (runId: string) => Promise<Trail> } {
  if (dialect === 'sqlite') {
    const created = new WorkerScene('audit-crash', [chain, lookup]);
    scene = created;
    return { scene: created, trail: async (runId) => sqliteTrail(created.db, runId) };
  }
  const { server, schema, url, drop } = testSchema('ac');
  cleanups.push(drop);
  const created = new WorkerScene('audit-crash', [chain, lookup], url);
  scene = created;
  return { scene: created, trail: (runId) => postgresTrail(server, schema, runId) };
}

/** Starts a run with a worker armed to SIGKILL itself at `failpoint`'s first hit; its id once the worker died. */
async function killedAt(
  on: WorkerScene,
  failpoint: string,
  start: (scene: WorkerScene) => Promise<{ id: string }>,
): Promise<string> {
  await on.client.ready();
  const worker = on.worker({ VIGIL_FAILPOINTS: `${failpoint}=kill@1` });
  await worker.waitFor(/worker started/);
  const { id } = await start(on);
  await worker.exit();
  expect(worker.child.signalCode).toBe('SIGKILL');
  return id;
}

describe.each(DIALECTS)('the audit trail across a SIGKILL on %s', (dialect) => {
  it('keeps the entry of a step that committed just before its worker was killed', async () => {
    const staged = stage(dialect);
    // Dies the moment the first step's outcome has committed (with the second step's start).
    const id = await killedAt(staged.scene, 'step.after-commit', (s) =>
      s.client.start(chain, { steps: 3, stepMs: 0, ledger: s.ledger }),
    );

    const atKill = await staged.trail(id);
    expect(atKill.completed).toEqual([1]);
    expect(atKill.audited).toEqual([1]);

    // Another worker finishes the run: every outcome has its entry in the chain, once, and it verifies.
    const b = staged.scene.worker();
    await b.waitFor(/worker started/);
    await staged.scene.client.result(id, { signal: AbortSignal.timeout(30_000) });
    await b.kill('SIGTERM');
    expect(b.child.exitCode).toBe(0);
    const after = (await staged.scene.client.audit.list({ runId: id, type: 'step.completed' })).entries;
    expect(after.map((e) => (e.data as { seq: number }).seq)).toEqual([1, 2, 3]);
    expect(await staged.scene.client.audit.verify()).toMatchObject({ ok: true });
  });

  it("keeps the decision on a tool call whose worker was killed as the call's body began", async () => {
    const staged = stage(dialect);
    // Dies once the call's "started" row has committed, before the tool runs.
    const id = await killedAt(staged.scene, 'step.before-body', (s) =>
      s.client.start(lookup, { entry: 'E-1', ledger: s.ledger }),
    );
    expect((await staged.trail(id)).decisions).toBe(1);
  });
});

it('keeps the run.created entry of a run whose server was killed as the run committed', async () => {
  const dev = await DevServer.start('vigil-audit-create-', FIXTURES, {
    env: { VIGIL_FAILPOINTS: 'run.after-create=kill@1' },
  });
  cleanups.push(() => dev.close());
  const answer = await fetch(`${dev.url}/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.key}` },
    body: JSON.stringify({ workflow: 'test.chain', input: { steps: 1, stepMs: 0, ledger: join(dev.dir, 'ledger') } }),
  }).catch((error: unknown) => error);
  // The server died before it answered.
  expect(answer).toBeInstanceOf(Error);
  await dev.process.exit();
  expect(dev.process.child.signalCode).toBe('SIGKILL');

  const sqlite = new BetterSqlite3(join(dev.dir, 'vigil.db'), { readonly: true });
  try {
    const runs = sqlite.prepare('SELECT id FROM runs').all() as Array<{ id: string }>;
    const created = sqlite.prepare(`SELECT run_id AS id FROM audit_entries WHERE type = 'run.created'`).all();
    expect(runs).toHaveLength(1);
    expect(created).toEqual(runs);
  } finally {
    sqlite.close();
  }
});
