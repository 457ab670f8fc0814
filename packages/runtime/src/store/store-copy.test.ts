import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, expect, inject, it } from 'vitest';
import { z } from 'zod';

import { createVigil } from '../compose.js';
import { DEFAULT_IDEMPOTENCY_RETENTION_MS } from '../core/ids.js';
import { defineWorkflow } from '../core/workflow.js';
import { FakeClock } from '../testing/fake-clock.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { copyPlace, NOTHING_COPIED } from './store-copy.fixture.js';
import { copySqliteToPostgres } from './store-copy.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const napper = defineWorkflow({ name: 'copy.napper', input: z.object({ n: z.number() }) }, async (ctx, input) => {
  const before = await ctx.step('before', () => input.n * 2);
  await ctx.sleep('nap', '1h');
  return { before, after: await ctx.step('after', () => input.n * 3) };
});

it('moves runs to PostgreSQL verbatim, and sleeping runs wake there on time', async () => {
  const { url, dir, schema } = await copyPlace(cleanups);
  const clock = new FakeClock();

  // On SQLite: one run finished, one asleep, one not yet started.
  const sqlite = createVigil({
    database: new SqliteStore({ path: join(dir, 'vigil.db'), clock }),
    workflows: [napper],
    worker: { pollMs: 60_000 },
  });
  const { id: asleep } = await sqlite.start(napper, { n: 1 });
  while ((await sqlite.getRun(asleep))!.status !== 'sleeping') await clock.advance(10);
  await sqlite.close();
  const client = createVigil({
    database: new SqliteStore({ path: join(dir, 'vigil.db'), clock }),
    workflows: [napper],
  });
  const { id: queued } = await client.start(napper, { n: 2 }, { idempotencyKey: 'kept-key' });
  await client.cancel(queued);
  const { id: waiting } = await client.start(napper, { n: 3 });
  const before = await Promise.all([asleep, queued, waiting].map((id) => client.getRun(id)));
  expect(before.map((run) => run!.status)).toEqual(['sleeping', 'cancelled', 'queued']);
  await client.close();

  const source = new SqliteStore({ path: join(dir, 'vigil.db'), clock });
  const target = new PostgresStore({ url, schema, clock });
  cleanups.push(() => target.close());
  // The audit trail of both instances goes along as it was: same numbers, same hashes.
  const auditEntries = (await source.audit.scan(1, 1000)).length;
  // Three triggers, the first step of the run that went to sleep, the cancel.
  expect(auditEntries).toBe(5);
  const copied = { ...NOTHING_COPIED, runs: 3, steps: 2, audit_entries: auditEntries };
  expect(await copySqliteToPostgres(source, target, clock.now())).toEqual(copied);
  // A second copy changes nothing: rows already there are kept.
  expect(await copySqliteToPostgres(source, target, clock.now())).toEqual(copied);
  await source.close();

  const postgres = createVigil({ database: target, workflows: [napper] });
  expect(await Promise.all([asleep, queued, waiting].map((id) => postgres.getRun(id)))).toEqual(before);
  await expect(postgres.start(napper, { n: 9 }, { idempotencyKey: 'kept-key' })).rejects.toThrow(/already used/);
  postgres.startWorker({ pollMs: 100 });

  // The run that had not started runs to its sleep on PostgreSQL; then both sleepers wake.
  while ((await postgres.getRun(waiting))!.status !== 'sleeping') await clock.advance(10);
  await clock.advance(3_600_000);
  for (const id of [asleep, waiting]) {
    while ((await postgres.getRun(id))!.status !== 'completed') await clock.advance(100);
  }
  expect(await postgres.result(asleep)).toEqual({ before: 2, after: 3 });
  expect(await postgres.result(waiting)).toEqual({ before: 6, after: 9 });
  // PostgreSQL appended onto the copied chain, and the whole trail still verifies.
  await postgres.audit.flush();
  const trail = await postgres.audit.verify();
  expect(trail).toMatchObject({ ok: true });
  expect(trail.ok && trail.count).toBeGreaterThan(auditEntries);
  await postgres.close();
});

it('refuses while a worker still holds a lease in the SQLite store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-copy-'));
  cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
  const clock = new FakeClock();
  const source = new SqliteStore({ path: join(dir, 'vigil.db'), clock });
  await source.migrate();
  await source.runs.create({
    id: '00000000-0000-7000-8000-000000000001',
    workflow: 'w',
    version: 1,
    input: '{}',
    inputHash: 'h',
    idempotencyKey: null,
    idempotencyRetentionMs: DEFAULT_IDEMPOTENCY_RETENTION_MS,
    principal: null,
    now: clock.now(),
    leaseTo: { owner: 'live-worker', leaseTtlMs: 10_000 },
  });
  const target = new PostgresStore({
    url: inject('postgresUrl'),
    schema: `copy_${randomBytes(4).toString('hex')}`,
    clock,
  });
  await expect(copySqliteToPostgres(source, target, clock.now())).rejects.toThrow(/held by a live worker/);
  await Promise.all([source.close(), target.close()]);
});

it('refuses to copy into a database that holds another audit trail, which would fork the chain', async () => {
  const { url, dir, schema } = await copyPlace(cleanups);
  const clock = new FakeClock();
  const source = new SqliteStore({ path: join(dir, 'vigil.db'), clock });
  const target = new PostgresStore({ url, schema, clock });
  await Promise.all([source.migrate(), target.migrate()]);
  const entry = { type: 'run.created', runId: null, principal: null };
  await source.audit.append([{ ...entry, data: 'from sqlite' }], clock.now());
  await target.audit.append([{ ...entry, data: 'already on postgres' }], clock.now());
  await expect(copySqliteToPostgres(source, target, clock.now())).rejects.toThrow(/another audit trail/);
  await Promise.all([source.close(), target.close()]);
});
