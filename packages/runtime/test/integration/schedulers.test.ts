/**
 * Three scheduler processes (`vigil worker`) share one store while one-second schedules fire
 * for `VIGIL_SCHEDULER_SOAK_SECONDS` (default 60) and schedules are added and removed over HTTP
 * (`vigil server`). One of the schedulers is SIGKILLed right after a slot's run committed, before
 * its schedule was released, and replaced. Every slot of every schedule, from its creation to its
 * removal, must have started exactly one run, read back from the runs' idempotency keys. SQLite (one file shared by
 * the processes) and PostgreSQL run at the same time, so the file costs one soak of wall time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';

import { nextSlot } from '../../src/core/schedule-spec.js';
import type { ScheduleView } from '../../src/runtime/operator-views.js';
import { Cluster } from '../helpers/cluster.js';
import { eventually, sleep } from '../helpers/processes.js';

const SOAK_MS = Number(process.env['VIGIL_SCHEDULER_SOAK_SECONDS'] ?? 60) * 1000;
const FIXTURES = fileURLToPath(new URL('../fixtures/schedule-workflows.ts', import.meta.url));
const EVERY_SECOND = { cron: '* * * * * *', timezone: 'UTC' };
/**
 * How far behind a slot may be fired and still count as kept up: a busy two-core machine, and a
 * schedule the killed process held stays claimed until its claim (5 s) expires.
 */
const LAG_MS = 10_000;
/** How far a PostgreSQL scheduler's clock (the server's, through a measured offset) may lead ours. */
const CLOCK_SLACK_MS = 50;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A schedule's life as the test saw it: created at, and removed between two instants (or never). */
interface Life {
  id: string;
  createdAt: number;
  removed: { sentAt: number; doneAt: number } | null;
}

async function api<T>(
  cluster: Cluster,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${cluster.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${cluster.apiKey}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/**
 * Runs the soak on `database`: adds a schedule every 2 s and removes the oldest added one every
 * 3 s (two stay to the end), then waits for the live ones to catch up and stops every process.
 */
interface Outcome {
  lives: Life[];
  /** Slots each scheduler process started a run for. */
  firedBy: number[];
  /** Slots fired again (after the kill) whose key found the run already there. */
  repeats: number;
  /** The slot the killed process started a run for and then died, before releasing its schedule. */
  killedAt: { scheduleId: string; slot: string; at: number };
}

async function soak(database: string, dir: string): Promise<Outcome> {
  // Debug logs say which process fired which slot.
  const cluster = new Cluster(database, dir, 5_000, FIXTURES, { VIGIL_LOG_LEVEL: 'debug' });
  cleanups.push(() => cluster.stop());
  await cluster.startServer();
  const victim = await cluster.startWorker([], { VIGIL_FAILPOINTS: 'schedule.after-fire=kill@10' });
  await Promise.all([cluster.startWorker(), cluster.startWorker()]);
  await Promise.all(cluster.workers.map((worker) => worker.waitFor(/scheduler started/)));
  let killedAt = 0;
  // Not replaced when the cluster's cleanup killed it (the test failed before its failpoint fired).
  const replaced = victim.exit().then(async () => {
    if (cluster.isStopped) return;
    killedAt = Date.now();
    await cluster.startWorker();
  });

  const lives: Life[] = [];
  const add = async (): Promise<void> => {
    const id = `soak-${lives.length}`;
    const created = await api<ScheduleView>(cluster, 'POST', '/v1/schedules', {
      id,
      workflow: 'test.tick',
      ...EVERY_SECOND,
      catchUp: 'all',
      overlap: 'allow',
      input: { note: id },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    lives.push({ id, createdAt: Date.parse(created.body.createdAt), removed: null });
  };
  const removeOldest = async (): Promise<void> => {
    const life = lives.slice(2).find((l) => l.removed === null);
    if (!life) return;
    const sentAt = Date.now();
    const removed = await api(cluster, 'DELETE', `/v1/schedules/${life.id}`);
    expect(removed.status).toBe(200);
    life.removed = { sentAt, doneAt: Date.now() };
  };

  await add();
  await add();
  const started = Date.now();
  for (let round = 1; Date.now() - started < SOAK_MS; round++) {
    await sleep(1000);
    if (round % 2 === 0) await add();
    if (round % 3 === 0) await removeOldest();
  }

  // The declared schedule, synced by all three processes as they started.
  const declared = await api<ScheduleView>(cluster, 'GET', '/v1/schedules/test.heartbeat');
  lives.push({ id: 'test.heartbeat', createdAt: Date.parse(declared.body.createdAt), removed: null });
  const endedAt = Date.now();
  expect(victim.child.signalCode, 'the scheduler armed to die after its 10th slot').toBe('SIGKILL');
  await replaced;
  await eventually(
    async () => {
      const { body } = await api<{ schedules: ScheduleView[] }>(cluster, 'GET', '/v1/schedules?limit=500');
      const live = body.schedules.filter((s) => s.workflow !== 'test.yearly');
      return live.every((s) => s.lastSlotAt !== null && Date.parse(s.lastSlotAt) >= endedAt) ? true : undefined;
    },
    30_000,
    'the live schedules to fire their slots up to the end of the soak',
  );
  await cluster.stop();
  // Slots each process started a run for, and slots it fired again and found their run already there.
  const fired = cluster.workers.map((worker) =>
    worker.stderr.split('\n').filter((line) => line.includes('"msg":"schedule fired"')),
  );
  const lastFired = fired[cluster.workers.indexOf(victim)]!.filter((line) => line.includes('"created":true')).pop()!;
  const { scheduleId, slot } = JSON.parse(lastFired) as { scheduleId: string; slot: string };
  return {
    killedAt: { scheduleId, slot, at: killedAt },
    lives,
    firedBy: fired.map((lines) => lines.filter((line) => line.includes('"created":true')).length),
    repeats: fired.flat().filter((line) => line.includes('"created":false')).length,
  };
}

/** Every slot of a one-second schedule from the first after `from` to `to`, as ISO strings. */
function slotsBetween(from: number, to: number): string[] {
  const slots: string[] = [];
  for (let slot = nextSlot(EVERY_SECOND, from); slot !== null && slot <= to; slot = nextSlot(EVERY_SECOND, slot)) {
    slots.push(new Date(slot).toISOString());
  }
  return slots;
}

/** Checks each life against the runs' keys; returns how many slots fired. */
function checkExactlyOnce(lives: Life[], keys: string[]): number {
  const bySchedule = new Map<string, string[]>();
  for (const key of keys) {
    const [, id, slot] = /^schedule:(.+):(\d{4}-\d\d-\d\dT[\d:.]+Z)$/.exec(key) ?? [];
    if (!id || !slot) throw new Error(`a run with an unexpected key: ${key}`);
    bySchedule.set(id, [...(bySchedule.get(id) ?? []), slot]);
  }
  let total = 0;
  for (const life of lives) {
    const fired = (bySchedule.get(life.id) ?? []).sort();
    // None twice...
    expect(new Set(fired).size, life.id).toBe(fired.length);
    // ...none missing: every slot from the first after its creation to the last one fired...
    const last = fired.length === 0 ? null : Date.parse(fired[fired.length - 1]!);
    expect(fired, life.id).toEqual(last === null ? [] : slotsBetween(life.createdAt, last));
    if (life.removed) {
      // ...none after its removal (a pass that claimed it just before may still fire that slot;
      // PostgreSQL schedulers read the server's clock through an offset measured to within half
      // a round trip, so "now" there may run a few milliseconds ahead of this process's)...
      if (last !== null) expect(last, life.id).toBeLessThanOrEqual(life.removed.doneAt + CLOCK_SLACK_MS);
      // ...and the schedulers kept up: every slot well before the removal fired.
      const due = slotsBetween(life.createdAt, life.removed.sentAt - LAG_MS);
      expect(fired.slice(0, due.length), life.id).toEqual(due);
    } else {
      // Live to the end: the soak waited for its slots up to the end to fire.
      expect(fired.length, life.id).toBeGreaterThan(0);
    }
    total += fired.length;
  }
  const known = new Set(lives.map((l) => l.id));
  expect([...bySchedule.keys()].filter((id) => !known.has(id))).toEqual([]);
  return total;
}

describe('three schedulers on one store', { timeout: SOAK_MS + 180_000 }, () => {
  it(`fire each one-second slot exactly once for ${SOAK_MS / 1000} s on SQLite and PostgreSQL, while schedules come and go`, async () => {
    const url = inject('postgresUrl');
    const schema = `sched_${randomBytes(4).toString('hex')}`;
    const dirs = [mkdtempSync(join(tmpdir(), 'vigil-sched-sqlite-')), mkdtempSync(join(tmpdir(), 'vigil-sched-pg-'))];
    const db = new pg.Pool({ connectionString: url, max: 1, options: `-c search_path=${schema}` });
    cleanups.push(async () => {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db.end();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });
    const sqliteFile = join(dirs[0]!, 'vigil.db');

    const [sqlite, postgres] = await Promise.all([
      soak(sqliteFile, dirs[0]!),
      soak(`${url}?schema=${schema}`, dirs[1]!),
    ]);

    const file = new BetterSqlite3(sqliteFile, { readonly: true });
    const sqliteKeys = file
      .prepare(`SELECT idempotency_key AS key FROM runs WHERE idempotency_key LIKE 'schedule:%'`)
      .all() as Array<{ key: string }>;
    file.close();
    const postgresKeys = await db.query<{ key: string }>(
      `SELECT idempotency_key AS key FROM runs WHERE idempotency_key LIKE 'schedule:%'`,
    );
    for (const [name, outcome, keys] of [
      ['SQLite', sqlite, sqliteKeys.map((row) => row.key)],
      ['PostgreSQL', postgres, postgresKeys.rows.map((row) => row.key)],
    ] as const) {
      const slots = checkExactlyOnce(outcome.lives, keys);
      // The slot whose schedule the killed process never released was fired again, and found its
      // run, unless the schedule was removed before its claim expired.
      const { killedAt } = outcome;
      const victimLife = outcome.lives.find((l) => l.id === killedAt.scheduleId)!;
      if (!victimLife.removed || victimLife.removed.sentAt > killedAt.at + LAG_MS) {
        expect(outcome.repeats, name).toBeGreaterThanOrEqual(1);
      }
      // Each run was started by one process; the work was shared, not done by one.
      expect(
        outcome.firedBy.reduce((a, b) => a + b, 0),
        name,
      ).toBe(slots);
      expect(outcome.firedBy.filter((n) => n > 0).length, name).toBeGreaterThanOrEqual(2);
      process.stdout.write(
        `schedulers on ${name}: ${outcome.lives.length} schedules, ${slots} slots, each started once ` +
          `(by process: ${outcome.firedBy.join(', ')}; one killed after ${killedAt.scheduleId}@${killedAt.slot}; ` +
          `${outcome.repeats} fired again and found their run)\n`,
      );
    }
  });
});
