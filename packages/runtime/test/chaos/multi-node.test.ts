/**
 * Many nodes on one PostgreSQL: a `vigil server` takes 1,000 runs over HTTP (2,000 with
 * `npm run test:chaos`) while three `vigil worker` processes execute them and one of them is
 * SIGKILLed and replaced every 1–4 s; then the same with the PostgreSQL server itself restarted
 * twice during the load. Step executions are counted by an external ledger file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';

import { Cluster } from '../helpers/cluster.js';
import { startEmbeddedPostgres, type PostgresServer } from '../helpers/embedded-postgres.js';
import type { LedgerLine } from '../fixtures/workflows.js';
import { eventually, readLedger, sleep, withDeadline } from '../helpers/processes.js';

const RUNS = Number(process.env['VIGIL_CHAOS_RUNS'] ?? 1000);
const STEPS = 5;
const LEASE_TTL_MS = 2000;

/**
 * Each phase has its own deadline, all well inside the test's 300 s, so a hang says where it
 * stood: starting the server, starting the workers, submitting, or waiting for completion (the
 * latter counted from the scenario's start, so the phases together end before the test's timeout).
 */
const SERVER_START_MS = 30_000;
const WORKERS_START_MS = 30_000;
const SUBMIT_MS = 120_000;
const FETCH_MS = 10_000;
const SCENARIO_MS = 240_000;
/** The restart test's own PostgreSQL, before its scenario starts (its budget is SCENARIO_MS after it). */
const PG_START_MS = 30_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  // Every cleanup runs even if one fails: a failed `db.end()` must not leave the cluster running.
  const failures: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => failures.push(error));
  if (failures.length > 0) throw failures[0];
});

/**
 * POSTs `count` runs, 16 at a time; retries each (same idempotency key) on a 5xx or a network
 * error (a worker or the database may be restarting) until it is accepted. Each request times
 * out after FETCH_MS; past SUBMIT_MS the submission fails with how far it got and why.
 */
async function submitRuns(cluster: Cluster, count: number, ledger: string): Promise<string[]> {
  const ids: string[] = new Array<string>(count);
  const deadline = Date.now() + SUBMIT_MS;
  let submitted = 0;
  let lastFailure = 'none';
  let next = 0;
  const submitOne = async (i: number): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      if (Date.now() > deadline) {
        throw new Error(
          `submitted ${submitted} of ${count} runs in ${SUBMIT_MS} ms (run ${i}: ${attempt - 1} failed ` +
            `attempt(s)); last failure: ${lastFailure}; ${serverState(cluster)}`,
        );
      }
      let response: Response;
      try {
        response = await fetch(`${cluster.url}/v1/runs`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': `multi-node-${i}`,
            authorization: `Bearer ${cluster.apiKey}`,
          },
          body: JSON.stringify({ workflow: 'test.chain', input: { steps: STEPS, stepMs: 20, ledger } }),
          signal: AbortSignal.timeout(FETCH_MS),
        });
      } catch (error) {
        lastFailure = `run ${i}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
        await sleep(Math.min(1000, 50 * attempt));
        continue;
      }
      if (response.status === 202) {
        ids[i] = ((await response.json()) as { id: string }).id;
        submitted++;
        return;
      }
      const body = await response.text().catch(() => '');
      if (response.status < 500) throw new Error(`run ${i} refused: ${response.status} ${body}`);
      lastFailure = `run ${i}: ${response.status} ${body.slice(0, 200)}`;
      await sleep(Math.min(1000, 50 * attempt));
    }
  };
  const submitter = async (): Promise<void> => {
    while (next < count) await submitOne(next++);
  };
  await Promise.all(Array.from({ length: 16 }, submitter));
  return ids;
}

/** Whether the server process still runs, and the end of what it logged: why requests fail. */
function serverState(cluster: Cluster): string {
  const child = cluster.server?.child;
  if (!child) return 'no server process';
  const state =
    child.exitCode === null && child.signalCode === null
      ? 'the server process is running'
      : `the server process exited (code ${child.exitCode}, signal ${child.signalCode})`;
  const { stdout, stderr } = cluster.server!;
  return `${state}; its last stdout:\n${stdout.slice(-1200)}\nits last stderr:\n${stderr.slice(-800)}`;
}

interface Outcome {
  ids: string[];
  kills: Map<number, number>;
  ledger: LedgerLine[];
  db: pg.Pool;
}

async function runScenario(
  database: string,
  adminUrl: string,
  restartPostgres?: () => Promise<void>,
): Promise<Outcome> {
  const began = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-multi-'));
  const ledger = join(dir, 'ledger.jsonl');
  const cluster = new Cluster(database, dir, LEASE_TTL_MS);
  cleanups.push(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await withDeadline(cluster.startServer(), SERVER_START_MS, 'starting the `vigil server`');
  await withDeadline(
    Promise.all([cluster.startWorker(), cluster.startWorker(), cluster.startWorker()]),
    WORKERS_START_MS,
    'starting three `vigil worker`s',
  );

  // Timeouts, so the monitor cannot hang on a connection to a restarting server.
  const db = new pg.Pool({ connectionString: adminUrl, max: 2, connectionTimeoutMillis: 5000, query_timeout: 10_000 });
  // Idle connections die with a restarting server; the next query reconnects.
  db.on('error', () => undefined);
  cleanups.push(() => db.end());
  /** Set once every run completed, or when the scenario ends otherwise (a failure, the test's cleanup). */
  let done = false;
  let completed = 0;
  const monitor = (async () => {
    while (!done) {
      try {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM runs WHERE status = 'completed'`,
        );
        completed = rows[0]!.n;
      } catch {
        // the database is restarting
      }
      if (completed === RUNS) done = true;
      else await sleep(100);
    }
  })();
  const reached = async (fraction: number): Promise<boolean> => {
    while (!done && completed < RUNS * fraction) await sleep(50);
    return !done;
  };
  // Kills start once work is under way, so every run of the test sees some.
  const killer = (async () => {
    if (!(await reached(0.05))) return;
    do await cluster.killAndReplaceWorker();
    while (!done && (await sleep(1000 + Math.random() * 3000), !done));
  })();
  const restarts = (async () => {
    if (!restartPostgres) return;
    for (const fraction of [0.2, 0.6]) if (await reached(fraction)) await restartPostgres();
  })();
  // The background loops stop, and are awaited, before the cluster is stopped and its directory
  // removed (cleanups run last-in first): else the killer may spawn a worker into a removed
  // directory (`spawn node ENOENT`), or restart PostgreSQL under the next test. This runs even
  // when the test timed out with the loops still going.
  const background = Promise.allSettled([monitor, killer, restarts]);
  const stopBackground = async (): Promise<void> => {
    done = true;
    await background;
  };
  cleanups.push(stopBackground);

  try {
    const ids = await submitRuns(cluster, RUNS, ledger);
    const submittedAfter = Date.now() - began;
    await eventually(() => (completed === RUNS ? true : undefined), Math.max(0, SCENARIO_MS - submittedAfter)).catch(
      () => {
        throw new Error(
          `waiting for completion: ${completed} of ${RUNS} runs completed within ${SCENARIO_MS} ms of the ` +
            `scenario's start (all submitted after ${submittedAfter} ms; ${cluster.kills.size} kills so far)`,
        );
      },
    );
    // A loop that failed (a replacement worker that did not start, a restart that failed) fails the test.
    for (const loop of await Promise.allSettled([monitor, killer, restarts])) {
      if (loop.status === 'rejected') throw loop.reason;
    }
    return { ids, kills: cluster.kills, ledger: readLedger(ledger), db };
  } finally {
    await stopBackground();
  }
}

async function assertAllCompletedOnce({ ids, db, ledger }: Outcome): Promise<Map<string, LedgerLine[]>> {
  expect(new Set(ids).size).toBe(RUNS);
  const runs = await db.query<{ id: string; status: string; output: string }>(`SELECT id, status, output FROM runs`);
  expect(runs.rows).toHaveLength(RUNS);
  for (const run of runs.rows) {
    expect(run.status).toBe('completed');
    expect(JSON.parse(run.output)).toEqual(
      Array.from({ length: STEPS }, (_, i) => `step-${i + 1}:${run.id.slice(-4)}`),
    );
  }
  // One row per step per run, every one completed: no duplicate or missing checkpoints.
  const steps = await db.query<{ run_id: string; name: string; status: string; attempts: number }>(
    `SELECT run_id, name, status, attempts FROM steps`,
  );
  expect(steps.rows).toHaveLength(RUNS * STEPS);
  expect(steps.rows.every((row) => row.status === 'completed')).toBe(true);

  const executions = new Map<string, LedgerLine[]>();
  for (const line of ledger) {
    const key = `${line.runId}/${line.step}`;
    executions.set(key, [...(executions.get(key) ?? []), line]);
  }
  expect(executions.size).toBe(RUNS * STEPS);
  for (const row of steps.rows) {
    // The record counts every attempt, so it never shows fewer than the ledger saw.
    expect(executions.get(`${row.run_id}/${row.name}`)!.length).toBeLessThanOrEqual(row.attempts);
  }
  return executions;
}

describe('many nodes on one PostgreSQL', { timeout: 300_000 }, () => {
  it(`completes ${RUNS} runs, each once, while workers are SIGKILLed every 1–4 s`, async () => {
    const url = inject('postgresUrl');
    const schema = `mn_${randomBytes(4).toString('hex')}`;
    const outcome = await runScenario(`${url}?schema=${schema}`, `${url}?options=-c%20search_path%3D${schema}`);
    const executions = await assertAllCompletedOnce(outcome);
    cleanups.push(async () => {
      const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      await admin.connect();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    });

    expect(outcome.kills.size).toBeGreaterThan(0);
    let repeated = 0;
    for (const lines of executions.values()) {
      const sorted = [...lines].sort((a, b) => a.at - b.at);
      for (let i = 1; i < sorted.length; i++) {
        repeated++;
        // A step ran again only because the worker running it was killed...
        const killedAt = outcome.kills.get(sorted[i - 1]!.pid);
        expect(killedAt).toBeDefined();
        // ...and another took it up within the lease TTL plus one second of the kill (G4).
        expect(sorted[i]!.at - killedAt!).toBeLessThanOrEqual(LEASE_TTL_MS + 1000);
      }
    }
    process.stdout.write(`multi-node: ${RUNS} runs, ${outcome.kills.size} kills, ${repeated} steps run again\n`);
  });

  it(`completes ${RUNS} runs while the PostgreSQL server restarts twice and workers are killed`, async () => {
    const server: PostgresServer = await withDeadline(
      startEmbeddedPostgres(),
      PG_START_MS,
      'starting an embedded PostgreSQL of its own',
    );
    cleanups.push(() => server.destroy());
    let restarts = 0;
    const outcome = await runScenario(server.url, server.url, async () => {
      await server.stop();
      await sleep(500);
      await server.start();
      restarts++;
    });
    await assertAllCompletedOnce(outcome);
    expect(restarts).toBe(2);
    process.stdout.write(`multi-node with restarts: ${RUNS} runs, ${outcome.kills.size} kills, ${restarts} restarts\n`);
  });
});
