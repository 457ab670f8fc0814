/** Every other table goes along with `copySqliteToPostgres`, row for row: checked table by table through the store. */
import { join } from 'node:path';

import { afterEach, expect, it } from 'vitest';

import { DEFAULT_IDEMPOTENCY_RETENTION_MS } from '../core/ids.js';
import { resolveBreakerPolicy } from '../core/resilience/circuit-breaker.js';
import { nextSlot, validateSchedule } from '../core/schedule-spec.js';
import { FakeClock } from '../testing/fake-clock.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { copyPlace } from './store-copy.fixture.js';
import { copySqliteToPostgres } from './store-copy.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('moves escalations, dead letters, failed attempts, breakers, notifications, events, schedules and spend too', async () => {
  const { url, dir, schema } = await copyPlace(cleanups);
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
