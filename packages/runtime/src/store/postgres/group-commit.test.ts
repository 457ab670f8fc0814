import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';

import { LeaseLostError } from '../../core/errors.js';
import { FakeClock } from '../../testing/fake-clock.js';
import type { ClaimedRun } from '../queue-store.js';
import { WF, escalation, message, newRun, step } from '../contract/context.js';
import { PostgresStore } from './postgres-store.js';

const url = inject('postgresUrl');
const admin = new pg.Pool({ connectionString: url, max: 2 });
afterAll(() => admin.end());

let schema: string;
let clock: FakeClock;
let store: PostgresStore;

beforeEach(async () => {
  schema = `t_${randomBytes(5).toString('hex')}`;
  clock = new FakeClock();
  store = new PostgresStore({ url, schema, clock });
  await store.migrate();
});

afterEach(async () => {
  await store.close();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
});

async function claimRuns(count: number, leaseTtlMs = 60_000, owner = 'w1'): Promise<ClaimedRun[]> {
  await Promise.all(Array.from({ length: count }, () => store.runs.create(newRun(clock.now()))));
  const claimed = await store.queue.claim({ owner, now: clock.now(), leaseTtlMs, limit: count, workflows: [WF] });
  expect(claimed).toHaveLength(count);
  return claimed;
}

/** Lets the 1 s leases run out and has worker w2 claim the one run that is free again. */
async function reclaimByAnother(): Promise<ClaimedRun> {
  await clock.advance(2_000);
  const [reclaimed] = await store.queue.claim({
    owner: 'w2',
    now: clock.now(),
    leaseTtlMs: 60_000,
    limit: 1,
    workflows: [WF],
  });
  return reclaimed!;
}

/** Which of `results` were refused: their indexes. */
const rejected = (results: PromiseSettledResult<unknown>[]): number[] =>
  results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));

const seqs = async (runId: string): Promise<number[]> => (await store.checkpoints.list(runId)).map((s) => s.seq);

describe('PostgreSQL group commit', () => {
  it('writes concurrent commits of many runs in a few statements, with what rides along and renewals', async () => {
    const claimed = await claimRuns(40);
    const renewUntil = clock.now() + 600_000;
    await Promise.all(
      claimed.map((c, i) =>
        store.checkpoints.commit(
          c.lease,
          [
            step(1, i % 4 === 0 ? { attempts: 2, failedAttempt: failed() } : {}),
            step(2, i % 4 === 1 ? { escalation: escalation(c.run.id, 2, clock.now()) } : {}),
            step(3, i % 4 === 2 ? { notification: message(clock.now()) } : {}),
          ],
          i % 2 === 0 ? renewUntil : undefined,
        ),
      ),
    );
    // Two go out at once, alone; the other 38 wait for a slot and go out together.
    expect(store.checkpoints.group.stats).toEqual({ statements: 3, writes: 40, retriedAlone: 0 });
    for (const [i, c] of claimed.entries()) {
      expect(await seqs(c.run.id)).toEqual([1, 2, 3]);
      const expiresAt = (await store.runs.get(c.run.id))!.lease!.expiresAt;
      expect(expiresAt).toBe(i % 2 === 0 ? renewUntil : clock.now() + 60_000);
      if (i % 4 === 0) expect(await store.checkpoints.attempts(c.run.id)).toHaveLength(1);
    }
    const count = async (table: string): Promise<number> =>
      (await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.${table}`)).rows[0]!.n;
    expect(await count('escalations')).toBe(10);
    expect(await count('outbox')).toBe(10);
  });

  it('rejects a fenced-out run of a batch alone and writes none of its rows; the others commit', async () => {
    const [stale] = await claimRuns(1, 1_000);
    const others = await claimRuns(6, 60_000);
    const reclaimed = await reclaimByAnother();
    expect(reclaimed.run.id).toBe(stale!.run.id);

    const order = [others[0]!, others[1]!, others[2]!, stale!, others[3]!, others[4]!, others[5]!];
    const results = await Promise.allSettled(order.map((c) => store.checkpoints.commit(c.lease, [step(1), step(2)])));
    expect(rejected(results)).toEqual([3]);
    expect(LeaseLostError.is((results[3] as PromiseRejectedResult).reason)).toBe(true);
    // The stale run was in the batch with four others: one statement, nothing retried.
    expect(store.checkpoints.group.stats).toEqual({ statements: 3, writes: 7, retriedAlone: 0 });
    expect(await seqs(stale!.run.id)).toEqual([]);
    for (const c of others) expect(await seqs(c.run.id)).toEqual([1, 2]);
    // The new holder still commits under its own lease.
    await store.checkpoints.commit(reclaimed.lease, [step(1)]);
    expect(await seqs(stale!.run.id)).toEqual([1]);
  });

  it('sends each commit of a failed statement again alone: one run refused by the database fails alone', async () => {
    const claimed = await claimRuns(6);
    const results = await Promise.allSettled(
      claimed.map((c, i) =>
        // PostgreSQL refuses text holding a NUL character: the whole statement fails.
        store.checkpoints.commit(c.lease, [step(1, i === 3 ? { output: '"a\u0000b"' } : {})]),
      ),
    );
    expect(rejected(results)).toEqual([3]);
    expect(String((results[3] as PromiseRejectedResult).reason)).toMatch(/0x00/);
    // Two alone, then a batch of four that failed and was sent again as four statements (three committed).
    expect(store.checkpoints.group.stats).toEqual({ statements: 5, writes: 5, retriedAlone: 4 });
    for (const [i, c] of claimed.entries()) expect(await seqs(c.run.id)).toEqual(i === 3 ? [] : [1]);
  });

  it('ends runs in the statement of other runs: outcome, last rows, dead letter; a fenced-out end rejects alone', async () => {
    const [stale] = await claimRuns(1, 1_000);
    const [a, b, done, lettered, c] = await claimRuns(5, 60_000);
    await reclaimByAnother();
    const error = { name: 'Error', message: 'gave up' };
    const letter = { id: 'letter-1', reason: 'step "s" failed', failedSeq: 2, failedStep: 's', context: '{}' };
    const now = clock.now();
    const results = await Promise.allSettled([
      store.checkpoints.commit(a!.lease, [step(1)]),
      store.checkpoints.commit(b!.lease, [step(1)]),
      store.queue.finish(done!.lease, { status: 'completed', output: '"ok"' }, [step(1)], now),
      store.queue.finish(lettered!.lease, { status: 'dead_lettered', error, deadLetter: letter }, [step(2)], now),
      store.queue.finish(stale!.lease, { status: 'completed', output: '"late"' }, [step(1)], now),
      store.checkpoints.commit(c!.lease, [step(1)]),
    ]);
    expect(rejected(results)).toEqual([4]);
    expect(LeaseLostError.is((results[4] as PromiseRejectedResult).reason)).toBe(true);
    expect(store.checkpoints.group.stats).toEqual({ statements: 3, writes: 6, retriedAlone: 0 });
    expect(await store.runs.get(done!.run.id)).toMatchObject({ status: 'completed', output: '"ok"', lease: null });
    expect(await seqs(done!.run.id)).toEqual([1]);
    expect(await store.runs.get(lettered!.run.id)).toMatchObject({ status: 'dead_lettered', error });
    expect(await store.deadLetters.get('letter-1')).toMatchObject({ runId: lettered!.run.id, error, failedSeq: 2 });
    expect(await store.runs.get(stale!.run.id)).toMatchObject({ status: 'running', lease: { owner: 'w2' } });
    expect(await seqs(stale!.run.id)).toEqual([]);
  });

  it('applies the commits of one run in the order they were made, never two in one statement', async () => {
    const [first, second, run] = await claimRuns(3);
    await Promise.all([
      store.checkpoints.commit(first!.lease, [step(1)]),
      store.checkpoints.commit(second!.lease, [step(1)]),
      store.checkpoints.commit(run!.lease, [step(1, { status: 'running', output: null, endedAt: null })]),
      store.checkpoints.commit(run!.lease, [step(1), step(2, { status: 'running', output: null, endedAt: null })]),
      store.checkpoints.commit(run!.lease, [step(2)]),
    ]);
    expect(store.checkpoints.group.stats).toEqual({ statements: 5, writes: 5, retriedAlone: 0 });
    expect((await store.checkpoints.list(run!.run.id)).map((s) => [s.seq, s.status])).toEqual([
      [1, 'completed'],
      [2, 'completed'],
    ]);
  });
});

function failed() {
  return { attempt: 1, outcome: 'failed' as const, error: null, startedAt: 1, endedAt: 2, delayMs: 10 };
}
