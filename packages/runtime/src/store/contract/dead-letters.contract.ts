/** Contract cases for dead letters: listing, replay in place from a step, replay as a new run. */
import { expect, it } from 'vitest';

import { ConflictError, NotFoundError } from '../../core/errors.js';
import type { AttemptRecord } from '../checkpoint-store.js';
import type { NewDeadLetter } from '../dead-letter-store.js';
import type { Store } from '../store.js';
import { OTHER, WF, newRun, nextId, recorded, step, type ContractContext } from './context.js';

const error = { name: 'Error', message: 'insurance API down', code: 'upstream' };

function failedAttempt(attempt: number): AttemptRecord {
  return { attempt, outcome: 'failed', error, startedAt: attempt, endedAt: attempt + 1, delayMs: 100 };
}

/**
 * A run of `workflow` that completed steps 1 and 2 (step 1 after a failed attempt) and failed
 * at step 3 after two attempts, then was dead-lettered. Created leased, so nothing in it
 * announces work.
 */
async function deadLettered(store: Store, now: number, workflow = WF.name): Promise<NewDeadLetter & { runId: string }> {
  const created = await store.runs.create(newRun(now, { workflow, leaseTo: { owner: 'w1', leaseTtlMs: 60_000 } }));
  const { lease } = created.leased!;
  await store.checkpoints.commit(lease, [{ ...step(1, { attempts: 2 }), failedAttempt: failedAttempt(1) }, step(2)]);
  await store.checkpoints.commit(lease, [
    { ...step(3, { status: 'retrying', output: null, attempts: 1 }), failedAttempt: failedAttempt(1) },
  ]);
  const letter = {
    id: nextId(),
    reason: 'step "step-3" failed after 2 attempts',
    failedSeq: 3,
    failedStep: 'step-3',
    context: '{}',
  };
  await store.queue.finish(
    lease,
    { status: 'dead_lettered', error, deadLetter: letter },
    [{ ...step(3, { status: 'failed', output: null, error, attempts: 2 }), failedAttempt: failedAttempt(2) }],
    now,
  );
  return { ...letter, runId: lease.runId };
}

export function deadLettersContract(ctx: () => ContractContext): void {
  it('lists dead letters newest first, hiding replayed ones unless asked', async () => {
    const { store, clock } = ctx();
    const a = await deadLettered(store, clock.now());
    const b = await deadLettered(store, clock.now(), OTHER.name);
    const c = await deadLettered(store, clock.now());
    await store.deadLetters.replay(c.id, { fromSeq: 3, principal: null, now: clock.now() });
    const ids = (list: Array<{ id: string }>) => list.map((d) => d.id);

    expect(ids(await store.deadLetters.list({ limit: 10 }))).toEqual([b.id, a.id]);
    expect(ids(await store.deadLetters.list({ limit: 10, includeReplayed: true }))).toEqual([c.id, b.id, a.id]);
    expect(ids(await store.deadLetters.list({ limit: 1, includeReplayed: true }))).toEqual([c.id]);
    expect(ids(await store.deadLetters.list({ limit: 10, workflow: WF.name }))).toEqual([a.id]);
    expect(ids(await store.deadLetters.list({ limit: 10, before: b.id, includeReplayed: true }))).toEqual([a.id]);
    expect(await store.deadLetters.get(nextId())).toBeNull();
  });

  it('replays a run in place: keeps the steps before fromSeq, deletes the rest, and makes it claimable', async () => {
    const { store, clock } = ctx();
    const letter = await deadLettered(store, clock.now());
    await clock.advance(1000);
    let woken!: () => void;
    const notified = new Promise<void>((resolve) => (woken = resolve));
    store.onWorkAvailable(() => woken());

    const replayed = await store.deadLetters.replay(letter.id, { fromSeq: 2, principal: 'user:ops', now: clock.now() });
    expect(replayed).toMatchObject({
      id: letter.id,
      runId: letter.runId,
      replayedAt: clock.now(),
      replayRunId: letter.runId,
      replayedBy: 'user:ops',
    });
    expect(await store.deadLetters.get(letter.id)).toEqual(replayed);
    expect(await store.runs.get(letter.runId)).toMatchObject({
      status: 'queued',
      readyAt: clock.now(),
      error: null,
      output: null,
      summary: null,
      finishedAt: null,
      lease: null,
    });
    expect(await store.checkpoints.list(letter.runId)).toEqual([recorded(step(1, { attempts: 2 }))]);
    expect(await store.checkpoints.attempts(letter.runId)).toEqual([{ seq: 1, ...failedAttempt(1) }]);
    await notified;

    const [claimed] = await store.queue.claim({
      owner: 'w2',
      now: clock.now(),
      leaseTtlMs: 1000,
      limit: 5,
      workflows: [WF],
    });
    expect(claimed!.run.id).toBe(letter.runId);
    expect(claimed!.steps.map((s) => s.seq)).toEqual([1]);

    const again = store.deadLetters.replay(letter.id, { fromSeq: 1, principal: null, now: clock.now() });
    await expect(again).rejects.toSatisfy((e) => ConflictError.is(e) && e.code === 'dead_letter_replayed');
    expect(await store.checkpoints.list(letter.runId)).toHaveLength(1);
    await expect(
      store.deadLetters.replay(nextId(), { fromSeq: 1, principal: null, now: clock.now() }),
    ).rejects.toSatisfy((e) => NotFoundError.is(e) && e.code === 'dead_letter_not_found');
  });

  it('replays exactly one of two concurrent replays', async () => {
    const { store, clock } = ctx();
    const letter = await deadLettered(store, clock.now());
    const results = await Promise.allSettled([
      store.deadLetters.replay(letter.id, { fromSeq: 3, principal: 'a', now: clock.now() }),
      store.deadLetters.replay(letter.id, { fromSeq: 1, principal: 'b', now: clock.now() }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const winner = results.find((r) => r.status === 'fulfilled')!.value;
    const steps = (await store.checkpoints.list(letter.runId)).map((s) => s.seq);
    expect(steps).toEqual(winner.replayedBy === 'a' ? [1, 2] : []);
  });

  it('links a replay with edited input to its new run', async () => {
    const { store, clock } = ctx();
    const letter = await deadLettered(store, clock.now());
    const replay = newRun(clock.now(), { input: '{"n":2}', replayOf: letter.runId });
    await store.runs.create(replay);
    expect((await store.runs.get(replay.id))!.replayOf).toBe(letter.runId);
    expect((await store.runs.get(letter.runId))!.replayOf).toBeNull();

    const marked = await store.deadLetters.markReplayed(letter.id, {
      runId: replay.id,
      principal: 'user:ops',
      now: clock.now(),
    });
    expect(marked).toMatchObject({ replayedAt: clock.now(), replayRunId: replay.id, replayedBy: 'user:ops' });
    // The original run stays dead-lettered, and the letter can be used only once.
    expect((await store.runs.get(letter.runId))!.status).toBe('dead_lettered');
    const request = { runId: nextId(), principal: null, now: clock.now() };
    await expect(store.deadLetters.markReplayed(letter.id, request)).rejects.toSatisfy(
      (e) => ConflictError.is(e) && e.code === 'dead_letter_replayed',
    );
    await expect(
      store.deadLetters.replay(letter.id, { fromSeq: 1, principal: null, now: clock.now() }),
    ).rejects.toSatisfy((e) => ConflictError.is(e) && e.code === 'dead_letter_replayed');
    await expect(store.deadLetters.markReplayed(nextId(), request)).rejects.toSatisfy((e) => NotFoundError.is(e));
  });
}
