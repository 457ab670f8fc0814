/**
 * Flow control across real processes, on both stores: several `vigil worker` processes claim
 * from one database, and each run writes `enter` and `exit` lines to an external ledger file,
 * from which the tests count how many runs were inside at once — never from Vigil's own tables.
 * Then bursts over real HTTP to a `vigil server`: 1,000 starts at once, and 1,000 duplicate
 * triggers (100 idempotency keys, 10 each) at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { createVigil, type Vigil } from '../../src/compose.js';
import { isTerminalStatus } from '../../src/core/run-status.js';
import { visit, type LedgerLine } from '../fixtures/workflows.js';
import { Cluster } from '../helpers/cluster.js';
import { eventually, readLedger } from '../helpers/processes.js';
import { testSchema } from '../helpers/test-schema.js';

type Dialect = 'sqlite' | 'postgres';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A fresh database of the dialect, as the `--db` setting of the processes and a client. */
function database(dialect: Dialect, dir: string): string {
  if (dialect === 'sqlite') return join(dir, 'vigil.db');
  const { url, drop } = testSchema('flow');
  cleanups.push(drop);
  return url;
}

function setup(dialect: Dialect): { dir: string; ledger: string; cluster: Cluster; db: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-flow-'));
  const db = database(dialect, dir);
  const cluster = new Cluster(db, dir, 3000);
  cleanups.push(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, ledger: join(dir, 'ledger.jsonl'), cluster, db };
}

/**
 * The most runs inside at once, per group (`groupOf` a run id), from the ledger's `enter` and
 * `exit` lines. At the same millisecond an exit counts first: a run is admitted only after the
 * run it waited for has committed its finish, which comes after its `exit` line.
 */
function peakInside(ledger: LedgerLine[], groupOf: (runId: string) => string): Map<string, number> {
  const lines = [...ledger].sort((a, b) => a.at - b.at || (a.step === 'exit' ? -1 : 1) - (b.step === 'exit' ? -1 : 1));
  const inside = new Map<string, number>();
  const peak = new Map<string, number>();
  for (const line of lines) {
    const group = groupOf(line.runId);
    const now = (inside.get(group) ?? 0) + (line.step === 'enter' ? 1 : -1);
    inside.set(group, now);
    peak.set(group, Math.max(peak.get(group) ?? 0, now));
  }
  return peak;
}

/** Runs in the store (with this status), counted a page at a time. */
async function countRuns(client: Vigil, status?: string): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page = await client.listRuns({
      limit: 500,
      ...(status ? { status } : {}),
      ...(cursor ? { cursor } : {}),
    });
    count += page.runs.length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
}

async function allFinished(client: Vigil, ids: readonly string[]): Promise<true | undefined> {
  for (const id of ids) {
    const run = await client.getRun(id);
    if (!run || !isTerminalStatus(run.status)) return undefined;
  }
  return true;
}

describe.each<Dialect>(['sqlite', 'postgres'])('flow control across processes on %s', (dialect) => {
  it('never has two visits of one patient, or more than three visits, inside at once', async () => {
    const { ledger, cluster, db } = setup(dialect);
    // One run executing per worker at a time (sleeping ones hold no slot), so all three take part.
    const worker = (): Promise<unknown> => cluster.startWorker(['--concurrency', '1']);
    await Promise.all([worker(), worker(), worker()]);
    const client = createVigil({ database: db, workflows: [visit] });
    cleanups.push(() => client.close());
    const patientOf = new Map<string, string>();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const patient = `P-${i % 5}`;
      const { id } = await client.start(visit, { patient, stepMs: 20, sleepMs: 60, ledger });
      patientOf.set(id, patient);
      ids.push(id);
    }
    await eventually(() => allFinished(client, ids), 90_000, 'all visits to finish');

    for (const id of ids) expect((await client.getRun(id))!.status).toBe('completed');
    const lines = readLedger(ledger);
    expect(lines.filter((line) => line.step === 'enter')).toHaveLength(30);
    const perPatient = peakInside(lines, (id) => patientOf.get(id)!);
    expect([...perPatient.values()].every((peak) => peak === 1)).toBe(true);
    expect(perPatient.size).toBe(5);
    const overall = peakInside(lines, () => 'all').get('all')!;
    expect(overall).toBeLessThanOrEqual(3);
    // The three workers did share the work: more than one visit was inside at some point.
    expect(overall).toBeGreaterThan(1);
    // More than one worker process did the work.
    expect(new Set(lines.map((line) => line.pid)).size).toBeGreaterThan(1);
  });

  it('accepts 1,000 starts at once over HTTP and runs them eight at a time; 1,000 duplicates make 100 runs', async () => {
    const { ledger, cluster, db } = setup(dialect);
    await Promise.all([cluster.startServer(), cluster.startWorker(), cluster.startWorker()]);
    const post = async (body: unknown, key?: string): Promise<{ status: number; id: string }> => {
      const response = await fetch(`${cluster.url}/v1/runs`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${cluster.apiKey}`,
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, id: ((await response.json()) as { id: string }).id };
    };
    const started = Date.now();
    const burst = await Promise.all(
      Array.from({ length: 1000 }, (_, n) => post({ workflow: 'test.buffered', input: { n, stepMs: 5, ledger } })),
    );
    const acceptedMs = Date.now() - started;
    expect(burst.every((answer) => answer.status === 202)).toBe(true);
    expect(new Set(burst.map((answer) => answer.id)).size).toBe(1000);

    const dupStarted = Date.now();
    const duplicates = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        post({ workflow: 'test.buffered', input: { n: i % 100, stepMs: 5, ledger } }, `order-${i % 100}`),
      ),
    );
    const dupMs = Date.now() - dupStarted;
    expect(duplicates.every((answer) => answer.status === 202)).toBe(true);
    const idOfKey = new Map<number, Set<string>>();
    duplicates.forEach((answer, i) => idOfKey.set(i % 100, (idOfKey.get(i % 100) ?? new Set()).add(answer.id)));
    // Every duplicate of a key was answered with the same run: 100 runs, one per key.
    expect([...idOfKey.values()].every((ids) => ids.size === 1)).toBe(true);
    const keyed = [...idOfKey.values()].map((ids) => [...ids][0]!);
    expect(new Set(keyed).size).toBe(100);

    const client = createVigil({ database: db });
    cleanups.push(() => client.close());
    const drainStarted = Date.now();
    await eventually(
      async () => ((await countRuns(client, 'completed')) === 1100 ? true : undefined),
      180_000,
      'all 1,100 runs to complete',
    );
    expect(await countRuns(client)).toBe(1100);
    const drainMs = Date.now() - drainStarted;
    const lines = readLedger(ledger);
    expect(new Set(lines.filter((line) => line.step === 'enter').map((line) => line.runId)).size).toBe(1100);
    // Buffered: at most eight ran at once, whatever the burst.
    expect(peakInside(lines, () => 'all').get('all')).toBeLessThanOrEqual(8);
    process.stdout.write(
      `flow-control bursts on ${dialect}: 1,000 starts accepted in ${acceptedMs} ms, 1,000 duplicates answered in ` +
        `${dupMs} ms, 1,100 runs finished ${drainMs} ms later, at most 8 at once\n`,
    );
  });
});
