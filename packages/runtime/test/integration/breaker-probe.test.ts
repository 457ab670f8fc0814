/**
 * One circuit breaker shared by two `vigil worker` processes on the test PostgreSQL. While it
 * is open no call reaches the downstream system; once its cooldown is over, of many runs
 * arriving at once on both workers exactly one gets through as the probe. The probe's call
 * holds until the test releases it, so "exactly one" is observed over a window, not inferred
 * from a race. Calls are counted by an external ledger file; the system's health is a flag
 * file the tool reads on every call.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';
import { afterEach, expect, it } from 'vitest';

import { createVigil, type Vigil } from '../../src/compose.js';
import type { RunStatus } from '../../src/core/run-status.js';
import { probed } from '../fixtures/failure-workflows.js';
import { VigilProcess, eventually, readLedger, sleep } from '../helpers/processes.js';
import { testSchema } from '../helpers/test-schema.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/failure-workflows.ts', import.meta.url));
/** More than one worker's 16 slots, so both workers take part. */
const BURST = 24;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('lets exactly one probe through a half-open breaker shared by two workers', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-probe-'));
  const paths = { ledger: join(dir, 'ledger.jsonl'), down: join(dir, 'down'), release: join(dir, 'release') };
  const { server, schema, url, drop } = testSchema('bp');
  const processes: VigilProcess[] = [];
  cleanups.push(async () => {
    await Promise.all(processes.map((p) => p.kill()));
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const client: Vigil = createVigil({ database: url, workflows: [probed] });
  cleanups.push(() => client.close());
  await client.ready();
  const db = new pg.Pool({ connectionString: server, max: 1, options: `-c search_path=${schema}` });
  cleanups.push(() => db.end());

  const workers = [0, 1].map(() => {
    const child = new VigilProcess(['worker', '--db', url, '--load', FIXTURES], { cwd: dir });
    processes.push(child);
    return child;
  });
  await Promise.all(workers.map((w) => w.waitFor(/worker started/)));

  writeFileSync(paths.down, '');
  const startRuns = async (count: number): Promise<string[]> =>
    (await Promise.all(Array.from({ length: count }, () => client.start(probed, paths)))).map((r) => r.id);
  const statuses = async (ids: string[]): Promise<Map<string, RunStatus>> => {
    const { rows } = await db.query<{ id: string; status: RunStatus }>(
      'SELECT id, status FROM runs WHERE id = ANY($1)',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.status]));
  };
  /** Waits until `count` of `ids` have status `status`. */
  const reach = async (ids: string[], status: RunStatus, count = ids.length): Promise<Map<string, RunStatus>> =>
    eventually(
      async () => {
        const now = await statuses(ids);
        return [...now.values()].filter((s) => s === status).length === count ? now : undefined;
      },
      30_000,
      `${count} runs to be ${status}`,
    );
  const calls = () => readLedger(paths.ledger).filter((l) => l.step === 'call');
  const breaker = async () => (await client.breakers.list()).find((b) => b.key === 'test.downstream');

  // 1. The system is down: three failing calls open the breaker.
  const opening = await startRuns(3);
  const opened = await eventually(
    async () => {
      const b = await breaker();
      return b?.status === 'open' ? b : undefined;
    },
    20_000,
    'the breaker to open',
  );
  expect(opened).toMatchObject({
    status: 'open',
    consecutiveFailures: 3,
    lastError: '503: the downstream system is down',
  });
  const openUntil = Date.parse(opened.openUntil!);

  // 2. Open: runs fail fast, and not one call reaches the system.
  const failFast = await startRuns(6);
  await reach([...opening, ...failFast], 'dead_lettered');
  expect(Date.now(), 'the fail-fast runs finished within the cooldown').toBeLessThan(openUntil);
  expect(calls()).toHaveLength(3);
  for (const id of failFast) {
    const run = await client.getRun(id);
    expect(run!.steps.map((s) => s.name)).toEqual(['enter', 'call']);
    expect(run!.steps[1]!.failedAttempts).toMatchObject([{ outcome: 'rejected', error: { code: 'circuit_open' } }]);
  }

  // 3. The system is back, the cooldown over: many runs at once on both workers. The one let
  // through holds its call until released; every other run meets the half-open breaker.
  rmSync(paths.down);
  await sleep(Math.max(0, openUntil - Date.now()) + 100);
  const burst = await startRuns(BURST);
  // Until every run of the burst has either called or been turned away.
  const seen = await eventually(
    async () => {
      const now = await statuses(burst);
      const turnedAway = [...now.values()].filter((s) => s === 'dead_lettered').length;
      return turnedAway + calls().length - 3 >= BURST ? now : undefined;
    },
    30_000,
    'every run of the burst to call or be turned away',
  );
  const window = calls().slice(3);
  expect(window).toHaveLength(1);
  expect([...seen.values()].filter((s) => s === 'dead_lettered')).toHaveLength(BURST - 1);
  const probe = window[0]!.runId;
  expect(seen.get(probe)).toBe('running');
  expect(await breaker()).toMatchObject({ status: 'half_open' });
  // The rejected runs did reach the call (on both workers), and the breaker turned them away.
  const entered = readLedger(paths.ledger).filter((l) => l.step === 'enter' && burst.includes(l.runId));
  expect(new Set(entered.map((l) => l.runId)).size).toBe(BURST);
  const perWorker = workers.map((w) => entered.filter((l) => l.pid === w.pid).length);
  expect(perWorker.every((n) => n > 0)).toBe(true);
  for (const id of burst.filter((id) => id !== probe)) {
    const run = await client.getRun(id);
    expect(run!.steps[1]!.failedAttempts).toMatchObject([{ outcome: 'rejected', error: { code: 'circuit_open' } }]);
  }
  // Held a while longer: still the one call.
  await sleep(500);
  expect(calls()).toHaveLength(4);

  // 4. The probe succeeds and closes the breaker; then every call goes through again: the runs
  // turned away during the probe, replayed, and new ones.
  const releasedAt = Date.now();
  writeFileSync(paths.release, '');
  await reach([probe], 'completed');
  expect(await breaker()).toMatchObject({ status: 'closed', consecutiveFailures: 0 });
  const { deadLetters } = await client.deadLetters.list({ workflow: 'test.probed', limit: 500 });
  const turnedAway = deadLetters.filter((d) => burst.includes(d.runId));
  expect(turnedAway).toHaveLength(BURST - 1);
  for (const letter of turnedAway) await client.deadLetters.replay(letter.id);
  const fresh = await startRuns(10);
  const rest = [...turnedAway.map((d) => d.runId), ...fresh];
  await reach(rest, 'completed');

  const lines = readLedger(paths.ledger);
  const later = calls().slice(4);
  expect(later.map((l) => l.runId).sort()).toEqual([...rest].sort());
  expect(later.every((l) => l.at >= releasedAt)).toBe(true);
  // Replay resumed at the call: each run entered once.
  for (const id of [...burst, ...fresh])
    expect(lines.filter((l) => l.step === 'enter' && l.runId === id)).toHaveLength(1);
  process.stdout.write(
    `breaker-probe: burst of ${BURST} split ${perWorker.join('/')} between the workers; one probe, ${BURST - 1} turned away\n`,
  );
});
