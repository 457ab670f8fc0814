import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import { afterEach, expect, inject, it } from 'vitest';
import { z } from 'zod';

import { createVigil } from '../compose.js';
import { DEFAULT_IDEMPOTENCY_RETENTION_MS } from '../core/ids.js';
import { resolveBreakerPolicy } from '../core/resilience/circuit-breaker.js';
import { nextSlot, validateSchedule } from '../core/schedule-spec.js';
import { defineWorkflow } from '../core/workflow.js';
import { FakeClock } from '../testing/fake-clock.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { copySqliteToPostgres } from './store-copy.js';

const nothing = {
  runs: 0,
  steps: 0,
  step_attempts: 0,
  dead_letters: 0,
  escalations: 0,
  breakers: 0,
  outbox: 0,
  events: 0,
  event_deliveries: 0,
  event_waits: 0,
  schedules: 0,
  flow_timers: 0,
  api_keys: 0,
  spend_ledger: 0,
  spend_counters: 0,
  budget_limits: 0,
  rate_limits: 0,
  memory: 0,
  step_logs: 0,
  audit_entries: 0,
};

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
  const url = inject('postgresUrl');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-copy-'));
  const schema = `copy_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  cleanups.push(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });
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
  const copied = { ...nothing, runs: 3, steps: 2, audit_entries: auditEntries };
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

it('moves escalations, dead letters, failed attempts, breakers, notifications, events, schedules and spend too', async () => {
  const url = inject('postgresUrl');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-copy-'));
  const schema = `copy_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  cleanups.push(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = new FakeClock();
  const source = new SqliteStore({ path: join(dir, 'vigil.db'), clock });
  await source.migrate();
  const now = clock.now();

  // One run waits on a non-blocking escalation's step and then dead-letters on the next.
  const runId = '00000000-0000-7000-8000-000000000001';
  const { leased } = await source.runs.create({
    id: runId,
    workflow: 'w',
    version: 1,
    input: '{}',
    inputHash: 'h',
    idempotencyKey: null,
    idempotencyRetentionMs: DEFAULT_IDEMPOTENCY_RETENTION_MS,
    principal: 'key:0123456789ab',
    now,
    leaseTo: { owner: 'w1', leaseTtlMs: 10_000 },
  });
  const escalationId = '00000000-0000-7000-8000-0000000000e1';
  const error = { name: 'Error', message: 'down' };
  await source.checkpoints.commit(leased!.lease, [
    {
      seq: 1,
      name: 'ask',
      kind: 'escalation',
      status: 'escalated',
      attempts: 1,
      output: 'null',
      error: null,
      wakeAt: null,
      startedAt: now,
      endedAt: now,
      detail: JSON.stringify({ escalationId }),
      escalation: {
        id: escalationId,
        runId,
        seq: 1,
        step: 'ask',
        workflow: 'w',
        kind: 'manual',
        reason: 'check the dose',
        summary: null,
        assignee: 'nurse',
        blocking: true,
        context: '{}',
        timeoutAt: null,
        onTimeout: null,
        createdAt: now,
      },
      notification: { id: 'n1', topic: 'escalation.opened', payload: '{}', createdAt: now },
      eventWait: { runId, seq: 1, name: 'order.paid', match: '{"order":1}', since: now, deadline: null },
    },
  ]);
  // An agent's memory, written with the step that records it.
  const memoryStep = {
    seq: 3,
    name: '$memory.agent:w:set:learned',
    kind: 'memory' as const,
    status: 'completed' as const,
    attempts: 1,
    output: null,
    error: null,
    wakeAt: null,
    startedAt: now,
    endedAt: now,
  };
  const memoryWrite = { agent: 'w', key: 'learned', value: '{"n":1}', seq: 3, at: now };
  expect(await source.memory.commitWrite(leased!.lease, [memoryStep], memoryWrite)).toBe(1);
  const event = {
    id: '00000000-0000-7000-8000-0000000000f1',
    name: 'order.paid',
    payload: '{"order":1}',
    payloadHash: 'h1',
    dedupeKey: 'evt_1',
    dedupeRetentionMs: DEFAULT_IDEMPOTENCY_RETENTION_MS,
    source: 'webhook:shop',
    principal: null,
    receivedAt: now,
  };
  await source.events.append(event);
  await source.events.markDispatched(event.id, [runId], now);
  const deadLetter = { id: 'd1', reason: 'step "call" failed', failedSeq: 2, failedStep: 'call', context: '{}' };
  const failedStep = {
    seq: 2,
    name: 'call',
    kind: 'tool' as const,
    status: 'failed' as const,
    attempts: 2,
    output: null,
    error,
    wakeAt: null,
    startedAt: now,
    endedAt: now,
    failedAttempt: { attempt: 1, outcome: 'failed' as const, error, startedAt: now, endedAt: now, delayMs: 50 },
  };
  await source.queue.finish(leased!.lease, { status: 'dead_lettered', error, deadLetter }, [failedStep], now);
  const policy = resolveBreakerPolicy({ failureThreshold: 1 }, 'copy');
  await source.breakers.record('call', 'call', policy, now, { ok: false, error: 'down' }, false);
  // A paused schedule that already fired once.
  const spec = validateSchedule({ cron: '0 * * * *', jitter: '30s', overlap: 'buffer-one' });
  const nextSlotAt = nextSlot(spec, now)!;
  await source.schedules.create({
    id: 'hourly',
    workflow: 'w',
    spec,
    input: '{"n":1}',
    origin: 'api',
    nextSlotAt,
    nextFireAt: nextSlotAt + 5,
    now,
  });
  await source.schedules.pause('hourly', now);
  // A revoked API key: it stays revoked after the move, its hash verbatim.
  await source.apiKeys.create({
    id: '0123456789ab',
    name: 'ci',
    role: 'trigger',
    hash: 'ab'.repeat(32),
    createdBy: 'cli:ops',
    expiresAt: now + 86_400_000,
    now,
  });
  await source.apiKeys.revoke('0123456789ab', now, 'key:ffffffffffff');
  // One call settled, one still reserved, and a raised run limit.
  const spend = (seq: number) => ({
    runId,
    seq,
    attempt: 1,
    workflow: 'w',
    agent: 'w',
    step: 'call',
    kind: 'llm' as const,
    target: 'gpt-4.1',
    usd: 0.25,
    scopes: [{ scope: 'run' as const, key: runId, period: '', limitUsd: 1, softAt: 0.5 }],
  });
  await source.spend.reserve(spend(2), now);
  await source.spend.settle(spend(2), { usd: 0.5, tokens: { input: 10, output: 20, cached: 0, reasoning: 5 } }, now);
  await source.spend.reserve(spend(3), now);
  await source.spend.setLimit('run', runId, 3, now, 'key:ops');
  // A rate-limit bucket with a token taken: the limit goes on where it stood.
  await source.rateLimits.take('pharmacy.order|global', { capacity: 2, refillPerMs: 0.001 }, now);
  const logLine = { runId, seq: 1, step: 'a', attempt: 1, at: now, level: 'info' as const, fields: '{}' };
  await source.stepLogs.append([
    { ...logLine, msg: 'checking' },
    { ...logLine, msg: 'done' },
  ]);
  await source.audit.append(
    [
      { type: 'run.created', runId, principal: 'key:k1', data: { workflow: 'w' } },
      { type: 'escalation.opened', runId, principal: null, data: { assignee: 'nurse' } },
    ],
    now,
  );

  const target = new PostgresStore({ url, schema, clock });
  cleanups.push(() => target.close());
  const copied = {
    runs: 1,
    steps: 3,
    step_attempts: 1,
    dead_letters: 1,
    escalations: 1,
    breakers: 1,
    outbox: 1,
    events: 1,
    event_deliveries: 1,
    event_waits: 1,
    schedules: 1,
    flow_timers: 0,
    api_keys: 1,
    spend_ledger: 2,
    spend_counters: 1,
    budget_limits: 1,
    rate_limits: 1,
    memory: 1,
    step_logs: 2,
    audit_entries: 2,
  };
  expect(await copySqliteToPostgres(source, target, clock.now())).toEqual(copied);

  expect(await target.runs.get(runId)).toEqual(await source.runs.get(runId));
  expect(await target.checkpoints.list(runId)).toEqual(await source.checkpoints.list(runId));
  expect((await target.checkpoints.list(runId)).every((step) => step.intact)).toBe(true);
  expect(await target.checkpoints.attempts(runId)).toEqual(await source.checkpoints.attempts(runId));
  const escalation = await target.escalations.get(escalationId);
  expect(escalation).toEqual(await source.escalations.get(escalationId));
  expect(escalation).toMatchObject({ blocking: true, status: 'open', assignee: 'nurse' });
  expect(await target.deadLetters.get('d1')).toEqual(await source.deadLetters.get('d1'));
  expect(await target.breakers.list()).toEqual(await source.breakers.list());
  expect(await target.outbox.claimDue(clock.now(), 10, 1000)).toEqual(
    await source.outbox.claimDue(clock.now(), 10, 1000),
  );
  expect(await target.events.get(event.id)).toEqual(await source.events.get(event.id));
  expect(await target.events.deliveries(event.id)).toEqual(await source.events.deliveries(event.id));
  expect(await target.events.waitsFor('order.paid')).toEqual(await source.events.waitsFor('order.paid'));
  expect(await target.events.waitsFor('order.paid')).toHaveLength(1);
  expect(await target.schedules.get('hourly')).toEqual(await source.schedules.get('hourly'));
  expect(await target.audit.scan(1, 10)).toEqual(await source.audit.scan(1, 10));
  expect(await target.schedules.get('hourly')).toMatchObject({ paused: true, spec: { overlap: 'buffer-one' } });
  expect(await target.apiKeys.get('0123456789ab')).toEqual(await source.apiKeys.get('0123456789ab'));
  expect(await target.apiKeys.get('0123456789ab')).toMatchObject({ revokedBy: 'key:ffffffffffff', lastUsedAt: null });
  for (const seq of [2, 3]) expect(await target.spend.get(spend(seq))).toEqual(await source.spend.get(spend(seq)));
  const counter = [{ scope: 'run' as const, key: runId, period: '' }];
  expect(await target.spend.counters(counter)).toEqual(await source.spend.counters(counter));
  expect(await target.spend.counters(counter)).toEqual([{ ...counter[0], settledUsd: 0.5, reservedUsd: 0.25 }]);
  expect(await target.spend.listLimits()).toEqual(await source.spend.listLimits());
  expect(await target.spend.runCost(runId)).toEqual([{ seq: 2, usd: 0.5 }]);
  expect(await target.memory.get('w', 'learned')).toEqual(await source.memory.get('w', 'learned'));
  expect(await target.memory.get('w', 'learned')).toMatchObject({ value: '{"n":1}', version: 1 });
  expect(await target.rateLimits.get('pharmacy.order|global')).toEqual({
    key: 'pharmacy.order|global',
    tokens: 1,
    updatedAt: now,
  });
  // The run's log lines, with their ids; a line logged there afterwards comes after them.
  expect(await target.stepLogs.list(runId, { limit: 10 })).toEqual(await source.stepLogs.list(runId, { limit: 10 }));
  await target.stepLogs.append([{ ...logLine, msg: 'after the copy' }]);
  expect((await target.stepLogs.list(runId, { limit: 10 })).map((l) => l.msg)).toEqual([
    'checking',
    'done',
    'after the copy',
  ]);
  // The sender's key still deduplicates on PostgreSQL.
  expect(await target.events.append({ ...event, id: '00000000-0000-7000-8000-0000000000f2' })).toMatchObject({
    event: { id: event.id, dispatchedAt: now },
    created: false,
  });
  await source.close();

  // The copy is live on PostgreSQL: the dead letter replays there.
  await target.deadLetters.replay('d1', { fromSeq: 2, principal: null, now: clock.now() });
  expect(await target.runs.get(runId)).toMatchObject({ status: 'queued', readyAt: clock.now() });
  expect((await target.checkpoints.list(runId)).map((step) => step.seq)).toEqual([1]);
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
  const dir = mkdtempSync(join(tmpdir(), 'vigil-copy-'));
  const schema = `copy_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('postgresUrl') });
  await admin.connect();
  cleanups.push(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = new FakeClock();
  const source = new SqliteStore({ path: join(dir, 'vigil.db'), clock });
  const target = new PostgresStore({ url: inject('postgresUrl'), schema, clock });
  await Promise.all([source.migrate(), target.migrate()]);
  const entry = { type: 'run.created', runId: null, principal: null };
  await source.audit.append([{ ...entry, data: 'from sqlite' }], clock.now());
  await target.audit.append([{ ...entry, data: 'already on postgres' }], clock.now());
  await expect(copySqliteToPostgres(source, target, clock.now())).rejects.toThrow(/another audit trail/);
  await Promise.all([source.close(), target.close()]);
});
