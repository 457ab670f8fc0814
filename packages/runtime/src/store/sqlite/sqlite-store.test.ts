import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';

import { LeaseLostError } from '../../core/errors.js';
import { DEFAULT_IDEMPOTENCY_RETENTION_MS } from '../../core/ids.js';
import { resolveBreakerPolicy } from '../../core/resilience/circuit-breaker.js';
import { FakeClock } from '../../testing/fake-clock.js';
import { describeStoreContract } from '../store.contract.js';
import { SqliteStore } from './sqlite-store.js';

const dirs: string[] = [];
function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sqlite-'));
  dirs.push(dir);
  return join(dir, 'vigil.db');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describeStoreContract('sqlite', () => {
  const path = tempPath();
  const clock = new FakeClock();
  const store = new SqliteStore({ path, clock });
  const others: SqliteStore[] = [];
  return Promise.resolve({
    store,
    clock,
    connect: () => {
      const other = new SqliteStore({ path, clock });
      others.push(other);
      return other;
    },
    corruptStep: (runId, seq) => {
      const db = new BetterSqlite3(path);
      db.prepare(`UPDATE steps SET output = '{"seq":666}' WHERE run_id = ? AND seq = ?`).run(runId, seq);
      db.close();
      return Promise.resolve();
    },
    corruptMemory: (agent, key) => {
      const db = new BetterSqlite3(path);
      db.prepare(`UPDATE memory SET value = '{"a":2}' WHERE agent = ? AND key = ?`).run(agent, key);
      db.close();
      return Promise.resolve();
    },
    close: async () => {
      await Promise.all(others.map((other) => other.close()));
      await store.close();
    },
  });
});

describe('SqliteStore', () => {
  it('opens the file in WAL mode with synchronous=FULL', async () => {
    const path = tempPath();
    const store = new SqliteStore({ path });
    await store.migrate();
    const db = new BetterSqlite3(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    expect(store.describe()).toBe(`sqlite ${path} (WAL, synchronous=FULL)`);
    await store.close();
  });

  it('bounds its page cache at 1 MiB (better-sqlite3’s default is 16 MB)', async () => {
    const store = new SqliteStore({ path: tempPath() });
    expect(store.pageCacheKiB).toBe(1024);
    await store.close();
  });

  it('lets two processes share one file: both migrate, each sees the other’s runs', async () => {
    const path = tempPath();
    const a = new SqliteStore({ path });
    const b = new SqliteStore({ path });
    await Promise.all([a.migrate(), b.migrate()]);
    const db = new BetterSqlite3(path, { readonly: true });
    expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
      { version: 4 },
      { version: 5 },
      { version: 6 },
      { version: 7 },
      { version: 8 },
      { version: 9 },
      { version: 10 },
      { version: 11 },
      { version: 12 },
      { version: 13 },
      { version: 14 },
      { version: 15 },
    ]);
    db.close();
    await a.runs.create({
      id: '00000000-0000-7000-8000-000000000001',
      workflow: 'w',
      version: 1,
      input: '{}',
      inputHash: 'h',
      idempotencyKey: null,
      idempotencyRetentionMs: DEFAULT_IDEMPOTENCY_RETENTION_MS,
      principal: null,
      now: 1,
    });
    expect(await b.runs.get('00000000-0000-7000-8000-000000000001')).not.toBeNull();
    await Promise.all([a.close(), b.close()]);
  });

  it('groups the writes of one event-loop turn into one transaction, each failing alone', async () => {
    const path = tempPath();
    const clock = new FakeClock();
    const store = new SqliteStore({ path, clock });
    await store.migrate();
    for (let i = 1; i <= 30; i++) {
      await store.runs.create({
        id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
        workflow: 'w',
        version: 1,
        input: '{}',
        inputHash: 'h',
        idempotencyKey: null,
        idempotencyRetentionMs: DEFAULT_IDEMPOTENCY_RETENTION_MS,
        principal: null,
        now: clock.now(),
      });
    }
    const claimed = await store.queue.claim({
      owner: 'w1',
      now: clock.now(),
      leaseTtlMs: 10_000,
      limit: 30,
      workflows: [{ name: 'w', version: 1 }],
    });
    const before = store.stats().transactions;
    const stale = { ...claimed[0]!.lease, epoch: 99 };
    const write = (seq: number) => ({
      seq,
      name: 's',
      kind: 'step' as const,
      status: 'completed' as const,
      attempts: 1,
      output: '1',
      error: null,
      wakeAt: null,
      startedAt: 0,
      endedAt: 0,
    });
    const results = await Promise.allSettled([
      ...claimed.map((c) => store.checkpoints.commit(c.lease, [write(1)])),
      store.checkpoints.commit(stale, [write(2)]),
    ]);
    expect(store.stats().transactions - before).toBe(1);
    expect(results.slice(0, 30).every((r) => r.status === 'fulfilled')).toBe(true);
    const staleResult = results[30]!;
    expect(staleResult.status === 'rejected' && LeaseLostError.is(staleResult.reason)).toBe(true);
    expect((await store.checkpoints.list(claimed[0]!.run.id)).map((s) => s.seq)).toEqual([1]);
    await store.close();
  });

  it('shares one breaker between processes on one file: no failure is lost, and one caller probes', async () => {
    const path = tempPath();
    const clock = new FakeClock();
    const [a, b] = [new SqliteStore({ path, clock }), new SqliteStore({ path, clock })];
    await Promise.all([a.migrate(), b.migrate()]);
    const policy = resolveBreakerPolicy({ failureThreshold: 12, cooldown: '1s' }, 'test');
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? a : b).breakers.record('k', 't', policy, clock.now(), { ok: false, error: `e${i}` }, false),
      ),
    );
    expect(await a.breakers.get('k')).toMatchObject({ status: 'open', consecutiveFailures: 12 });
    await clock.advance(1000);
    const admissions = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).breakers.admit('k', 't', policy, clock.now(), 5000)),
    );
    expect(admissions.filter((admission) => admission.admitted)).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
  });
});
