import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { Harness } from '../../test/helpers/harness.js';
import { ConflictError, InvalidArgumentError, NotFoundError, RunFailedError, ValidationError } from '../core/errors.js';
import { defineWorkflow } from '../core/workflow.js';

const HOUR = 3_600_000;

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.cleanup());

const greet = defineWorkflow(
  {
    name: 'greet',
    input: z.object({ name: z.string().min(1), times: z.number().int().positive().default(1) }),
    steps: ['hello'],
  },
  async (ctx, input) => ctx.step('hello', () => `hello ${input.name}`.repeat(input.times)),
);
const broken = defineWorkflow({ name: 'broken', input: z.object({}) }, () => Promise.reject(new Error('nope')));

describe('VigilClient', () => {
  it('validates input before writing anything and names the bad field', async () => {
    const vigil = h.vigil([greet]);
    const attempt = vigil.start('greet', { name: '', times: 2 });
    await expect(attempt).rejects.toSatisfy(
      (e) => ValidationError.is(e) && e.code === 'input_invalid' && e.path === 'input.name',
    );
    await expect(vigil.start('greet', { name: 'ada', times: -1 })).rejects.toThrow(/input\.times/);
    await expect(vigil.start('nope', {})).rejects.toSatisfy(
      (e) => NotFoundError.is(e) && e.code === 'workflow_not_found',
    );
    await expect(vigil.start(greet, { name: 'x', extra: () => 1 } as never)).rejects.toThrow(/\$\.extra is a function/);
    expect((await vigil.listRuns()).runs).toEqual([]);
  });

  it('returns the same run for the same idempotency key and input, and refuses other input', async () => {
    const vigil = h.vigil([greet]);
    const first = await vigil.start(greet, { name: 'ada', times: 1 }, { idempotencyKey: 'signup-42' });
    // Same input with keys in another order is the same input.
    const again = await vigil.start('greet', { times: 1, name: 'ada' }, { idempotencyKey: 'signup-42' });
    expect(again).toEqual({ id: first.id, status: 'queued', created: false });
    await expect(vigil.start(greet, { name: 'bob' }, { idempotencyKey: 'signup-42' })).rejects.toSatisfy(
      (e) => ConflictError.is(e) && e.code === 'idempotency_conflict',
    );
    for (const key of ['', '   ', 'k'.repeat(257), 'tab\there']) {
      await expect(vigil.start(greet, { name: 'ada' }, { idempotencyKey: key })).rejects.toThrow(InvalidArgumentError);
    }
    expect((await vigil.listRuns()).runs).toHaveLength(1);
  });

  it('holds an idempotency key for 24 hours by default, then starts a new run with it', async () => {
    const vigil = h.vigil([greet]);
    const first = await vigil.start(greet, { name: 'ada' }, { idempotencyKey: 'signup-43' });
    await h.clock.advance(23 * HOUR);
    expect(await vigil.start(greet, { name: 'ada' }, { idempotencyKey: 'signup-43' })).toEqual({
      id: first.id,
      status: 'queued',
      created: false,
    });

    await h.clock.advance(2 * HOUR);
    const later = await vigil.start(greet, { name: 'bob' }, { idempotencyKey: 'signup-43' });
    expect(later).toMatchObject({ status: 'queued', created: true });
    expect(later.id).not.toBe(first.id);
    expect((await vigil.getRun(first.id))!.idempotencyKey).toBeNull();
    expect((await vigil.getRun(later.id))!.idempotencyKey).toBe('signup-43');
  });

  it('takes the retention window from createVigil and refuses one that is not a positive duration', async () => {
    const vigil = h.vigil([greet], { idempotencyRetention: '1h' });
    const first = await vigil.start(greet, { name: 'ada' }, { idempotencyKey: 'signup-44' });
    await h.clock.advance(HOUR + 1);
    expect((await vigil.start(greet, { name: 'ada' }, { idempotencyKey: 'signup-44' })).id).not.toBe(first.id);
    for (const bad of [0, -5, '0h', 'soon'] as const) {
      expect(() => h.vigil([greet], { idempotencyRetention: bad as never })).toThrow(/idempotencyRetention|duration/);
    }
  });

  it('lists runs newest first, page by page, with filters', async () => {
    const vigil = h.vigil([greet, broken]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await vigil.start(greet, { name: `n${i}` })).id);
      await h.clock.advance(1);
    }
    await vigil.start(broken, {});
    const page1 = await vigil.listRuns({ workflow: 'greet', limit: 2 });
    expect(page1.runs.map((r) => r.id)).toEqual([ids[4], ids[3]]);
    const page2 = await vigil.listRuns({ workflow: 'greet', limit: 2, cursor: page1.nextCursor! });
    expect(page2.runs.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    const page3 = await vigil.listRuns({ workflow: 'greet', limit: 2, cursor: page2.nextCursor! });
    expect(page3).toEqual({ runs: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    expect((await vigil.listRuns({ status: 'queued' })).runs).toHaveLength(6);
    await expect(vigil.listRuns({ status: 'sideways' })).rejects.toThrow(/Unknown run status/);
    await expect(vigil.listRuns({ limit: 0 })).rejects.toThrow(/limit/);
    await expect(vigil.listRuns({ cursor: 'x' })).rejects.toThrow(/cursor/);
  });

  it('shows a run with its steps, progress and output', async () => {
    const vigil = h.vigil([greet], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(greet, { name: 'ada', times: 2 });
    expect(await vigil.result(id)).toBe('hello adahello ada');
    const run = await vigil.getRun(id);
    expect(run).toMatchObject({
      id,
      workflow: 'greet',
      version: 1,
      status: 'completed',
      input: { name: 'ada', times: 2 },
      output: 'hello adahello ada',
      error: null,
      progress: { completed: 1, total: 1, summary: 'Greet completed: 1/1 steps complete.' },
      steps: [{ seq: 1, name: 'hello', kind: 'step', status: 'completed', attempts: 1, intact: true }],
    });
    expect(await vigil.getRun('019b0000-0000-7000-8000-000000000000')).toBeNull();
    await expect(vigil.getRun('')).rejects.toThrow(InvalidArgumentError);
  });

  it('wakes every result() waiting on a run that ends here, several on one run, without polling', async () => {
    const vigil = h.vigil([greet], { worker: { pollMs: 60_000 } });
    const ids = await Promise.all(['a', 'b', 'c'].map(async (name) => (await vigil.start(greet, { name })).id));
    // The fake clock never moves, so no poll comes: only the runs' end events wake these.
    const waits = [...ids, ids[0]!].map((id) => vigil.result(id, { pollMs: HOUR }));
    expect(await Promise.all(waits)).toEqual(['hello a', 'hello b', 'hello c', 'hello a']);
    // Everyone stopped waiting; a new waiter is woken all the same.
    const { id } = await vigil.start(greet, { name: 'd' });
    expect(await vigil.result(id, { pollMs: HOUR })).toBe('hello d');
  });

  it('answers result() from the ending this worker committed, without reading it, and only once committed', async () => {
    const vigil = h.vigil([greet, broken], { worker: { pollMs: 60_000 } });
    const { runs, queue } = vigil.store;
    let reads = 0;
    const outcome = runs.outcome.bind(runs);
    runs.outcome = (id) => {
      reads++;
      return outcome(id);
    };
    // Hold every run's final commit until released.
    const finish = queue.finish.bind(queue);
    let finishing!: () => void;
    const reachedFinish = new Promise<void>((resolve) => (finishing = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    queue.finish = async (...args) => {
      finishing();
      await released;
      return finish(...args);
    };

    const { id } = await vigil.start(greet, { name: 'ada' });
    let answered = false;
    const result = vigil.result(id, { pollMs: HOUR }).finally(() => (answered = true));
    await reachedFinish;
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    const answeredBeforeCommit = answered;
    release();
    expect(answeredBeforeCommit).toBe(false);
    expect(await result).toBe('hello ada');
    expect(reads).toBe(0);

    const { id: failed } = await vigil.start(broken, {});
    const failure = await vigil.result(failed, { pollMs: HOUR }).catch((e: unknown) => e);
    expect(reads).toBe(0);
    // The same error as a read of the stored ending gives.
    const read = await vigil.result(failed).catch((e: unknown) => e);
    expect(reads).toBe(1);
    expect(failure).toBeInstanceOf(RunFailedError);
    expect(failure).toEqual(read);
    expect((failure as RunFailedError).status).toBe('dead_lettered');
    expect((failure as RunFailedError).failure).toEqual((read as RunFailedError).failure);
  });

  it('still polls for a run executing here that ends elsewhere', async () => {
    let proceed!: () => void;
    const gate = new Promise<void>((resolve) => (proceed = resolve));
    const waits = defineWorkflow({ name: 'waits', input: z.object({}) }, async (ctx) =>
      ctx.step('wait', async () => {
        await gate;
        return 'done';
      }),
    );
    const vigil = h.vigil([waits], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(waits, {});
    const result = vigil.result(id, { pollMs: 1000 }).catch((e: unknown) => e);
    // Another process cancels it: nothing ends here, so only the poll can see it.
    await h.vigil([waits]).cancel(id);
    await h.clock.advance(1000);
    const error = await result;
    expect(error).toBeInstanceOf(RunFailedError);
    expect((error as RunFailedError).code).toBe('run_cancelled');
    proceed();
  });

  it('cancels unfinished runs only', async () => {
    const vigil = h.vigil([greet, broken], { worker: { pollMs: 60_000 } });
    const { id: queued } = await h.vigil([greet]).start(greet, { name: 'x' });
    expect((await vigil.cancel(queued)).status).toBe('cancelled');
    expect((await vigil.cancel(queued)).status).toBe('cancelled');
    await expect(vigil.result(queued)).rejects.toSatisfy(
      (e) => e instanceof RunFailedError && e.code === 'run_cancelled',
    );

    const { id: failed } = await vigil.start(broken, {});
    await expect(vigil.result(failed)).rejects.toThrow(/ended dead_lettered: .*nope/);
    await expect(vigil.cancel(failed)).rejects.toSatisfy((e) => ConflictError.is(e) && e.code === 'run_finished');
    await expect(vigil.cancel('019b0000-0000-7000-8000-000000000000')).rejects.toSatisfy((e) => NotFoundError.is(e));
  });
});
