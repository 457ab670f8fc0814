import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, gate, type Dialect } from '../../test/helpers/harness.js';
import { StepFailedError } from '../core/errors.js';
import { defineWorkflow } from '../core/workflow.js';
import { ArmedFailpoints } from './failpoints.js';
import { FakeClock } from '../testing/fake-clock.js';

const Input = z.object({ n: z.number() });

describe.each(DIALECTS)('RunExecution on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('runs each step once, returns recorded results on replay, and numbers parallel steps in call order', async () => {
    const bodies: string[] = [];
    const wf = defineWorkflow({ name: 'replay', input: Input }, async (ctx, input) => {
      const a = await ctx.step('a', () => (bodies.push('a'), input.n + 1));
      const [b, c] = await Promise.all([
        ctx.step('b', async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          bodies.push('b');
          return a * 2;
        }),
        ctx.step('c', () => (bodies.push('c'), a * 3)),
      ]);
      await ctx.sleep('nap', '1m');
      const d = await ctx.step('d', () => (bodies.push('d'), b + c));
      return { a, b, c, d };
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { n: 1 });
    await h.until(async () => (await vigil.getRun(id))?.status === 'sleeping');
    expect(bodies.sort()).toEqual(['a', 'b', 'c']);
    expect((await vigil.getRun(id))!.steps.map((s) => [s.seq, s.name])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
      [4, 'nap'],
    ]);
    await h.clock.advance(60_000);
    expect(await h.result(vigil, id)).toEqual({ a: 2, b: 4, c: 6, d: 10 });
    expect(bodies.sort()).toEqual(['a', 'b', 'c', 'd']);
    const run = await vigil.getRun(id);
    expect(run!.attempt).toBe(2);
    expect(run!.steps.every((s) => s.attempts === 1 && s.status === 'completed')).toBe(true);
  });

  it('re-runs only the step in flight when its worker dies, as attempt 2, and fences out the old worker', async () => {
    const bodies: Array<[string, number]> = [];
    const wf = defineWorkflow({ name: 'crashy', input: Input }, async (ctx) => {
      for (const name of ['one', 'two', 'three', 'four']) {
        await ctx.step(name, ({ attempt }) => (bodies.push([name, attempt]), name));
      }
      return 'done';
    });
    // Worker A hangs right after step "three" ran, before its checkpoint; its clock never moves,
    // so its heartbeat stops too: as far as anyone can tell, it died there.
    const hold = gate();
    const frozen = new FakeClock(h.clock.now());
    const failpoints = new ArmedFailpoints().arm('step.after-body', () => hold.promise, { onHit: 3 });
    const a = h.vigil([wf], { clock: frozen, failpoints, worker: { leaseTtlMs: 1000, pollMs: 100 } });
    const { id } = await a.start(wf, { n: 0 });
    await h.until(() => bodies.length === 3);

    const b = h.vigil([wf], { worker: { leaseTtlMs: 1000, pollMs: 100 } });
    await h.until(async () => (await b.getRun(id))?.status === 'completed');
    expect(bodies).toEqual([
      ['one', 1],
      ['two', 1],
      ['three', 1],
      ['three', 2],
      ['four', 1],
    ]);
    const run = await b.getRun(id);
    expect(run!.steps.map((s) => s.attempts)).toEqual([1, 1, 2, 1]);

    // Worker A wakes up and tries to commit step "three": refused, nothing changes.
    const lost: string[] = [];
    a.events.on('lease.lost', ({ runId }) => lost.push(runId));
    hold.open();
    await h.until(() => lost.length === 1);
    expect(lost).toEqual([id]);
    expect((await b.getRun(id))!.steps.map((s) => s.attempts)).toEqual([1, 1, 2, 1]);
  });

  it('raises StepMismatchError, naming both steps and the run, when the code changed under a run', async () => {
    const v1 = defineWorkflow({ name: 'evolving', input: Input }, async (ctx) => {
      await ctx.step('fetch-record', () => 1);
      await ctx.sleep('wait', '1h');
      return 'v1';
    });
    const first = h.vigil([v1], { worker: { pollMs: 60_000 } });
    const { id } = await first.start(v1, { n: 1 });
    await h.until(async () => (await first.getRun(id))?.status === 'sleeping');
    await first.close();

    const changed = defineWorkflow({ name: 'evolving', input: Input }, async (ctx) => {
      await ctx.step('fetch-patient', () => 1);
      return 'v1-changed';
    });
    const second = h.vigil([changed], { worker: { pollMs: 60_000 } });
    await h.clock.advance(3_600_000);
    // Dead-lettered, not failed: once the code is fixed (or replayed from an earlier step) it can go on.
    await h.until(async () => (await second.getRun(id))?.status === 'dead_lettered');
    const { error } = (await second.getRun(id))!;
    expect(error?.code).toBe('step_mismatch');
    expect(error?.message).toContain('"fetch-record"');
    expect(error?.message).toContain('"fetch-patient"');
    expect(error?.message).toContain(id);
  });

  it('fails a step whose result is not JSON, naming the step and the field, without retrying', async () => {
    let calls = 0;
    const wf = defineWorkflow({ name: 'dates', input: Input }, async (ctx) => {
      await ctx.step('stamp', () => (calls++, { at: new Date(0) }));
      return 'unreachable';
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { n: 1 });
    await expect(h.result(vigil, id)).rejects.toThrow(/Step "stamp" result is not JSON-serialisable: \$\.at is a Date/);
    const run = await vigil.getRun(id);
    expect(run!.status).toBe('dead_lettered');
    expect(run!.error!.code).toBe('step_failed');
    expect(run!.steps[0]).toMatchObject({ name: 'stamp', status: 'failed', attempts: 1 });
    expect(run!.steps[0]!.error!.code).toBe('not_serializable');
    expect(calls).toBe(1);
  });

  it('refuses step results over 2 MiB by default and honours a per-step limit', async () => {
    const wf = defineWorkflow({ name: 'big', input: Input }, async (ctx, input) => {
      const small = await ctx.step('small', () => 'x'.repeat(100), { maxResultBytes: 10_000 });
      try {
        await ctx.step('huge', () => 'x'.repeat(input.n));
      } catch (error) {
        return { small: small.length, failure: (error as StepFailedError).failure.code };
      }
      return { small: small.length, failure: null };
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id: over } = await vigil.start(wf, { n: 2 * 1024 * 1024 });
    expect(await h.result(vigil, over)).toEqual({ small: 100, failure: 'payload_too_large' });
    const { id: under } = await vigil.start(wf, { n: 2 * 1024 * 1024 - 2 });
    expect(await h.result(vigil, under)).toEqual({ small: 100, failure: null });
  });

  it('replays a failed step as the same error without running it again', async () => {
    let calls = 0;
    const wf = defineWorkflow({ name: 'caught', input: Input }, async (ctx) => {
      let message = '';
      try {
        await ctx.step('flaky', () => {
          calls++;
          throw new Error('insurer unavailable');
        });
      } catch (error) {
        if (!StepFailedError.is(error)) throw error;
        message = error.message;
      }
      await ctx.sleep('later', '10s');
      return message;
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { n: 1 });
    await h.until(async () => (await vigil.getRun(id))?.status === 'sleeping');
    await h.clock.advance(10_000);
    expect(await h.result(vigil, id)).toBe('Step "flaky" failed: insurer unavailable');
    expect(calls).toBe(1);
  });

  it('journals ctx.now(), ctx.random() and ctx.uuid(), so replay sees the same values', async () => {
    const seen: unknown[][] = [];
    const wf = defineWorkflow({ name: 'journal', input: Input }, async (ctx) => {
      const values = [ctx.now(), ctx.random(), ctx.uuid()];
      seen.push(values);
      await ctx.sleep('nap', '5m');
      return values;
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const startedAt = h.clock.now();
    const { id } = await vigil.start(wf, { n: 1 });
    await h.until(async () => (await vigil.getRun(id))?.status === 'sleeping');
    await h.clock.advance(5 * 60_000);
    const output = await h.result(vigil, id);
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual(seen[0]);
    expect(output).toEqual(seen[0]);
    expect(seen[0]![0]).toBe(startedAt);
  });

  it('suspends a sleeping run without holding a lease and wakes it on time', async () => {
    const wf = defineWorkflow({ name: 'sleepy', input: Input }, async (ctx) => {
      await ctx.sleep('two-days', '2d');
      await ctx.sleepUntil('deadline', new Date(ctx.now() + 1000));
      return ctx.attempt;
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 3_600_000 } });
    const startedAt = h.clock.now();
    const { id } = await vigil.start(wf, { n: 1 });
    await h.until(async () => (await vigil.getRun(id))?.status === 'sleeping');
    const asleep = await vigil.getRun(id);
    expect(asleep!.wakeAt).toBe(new Date(startedAt + 2 * 86_400_000).toISOString());
    expect(vigil.worker!.activeCount).toBe(0);
    expect(asleep!.progress.summary).toContain('Step "two-days" sleeping until');
    await h.clock.set(startedAt + 2 * 86_400_000 - 1);
    expect((await vigil.getRun(id))!.status).toBe('sleeping');
    await h.clock.advance(2000);
    expect(await h.result(vigil, id)).toBe(3);
  });

  it('never uses a corrupted checkpoint: an idempotent step runs again', async () => {
    let reads = 0;
    const wf = defineWorkflow({ name: 'corrupt', input: Input }, async (ctx) => {
      const value = await ctx.step('read', () => (reads++, 'original'));
      await ctx.sleep('nap', '1s');
      return value;
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { n: 1 });
    await h.until(async () => (await vigil.getRun(id))?.status === 'sleeping');
    await h.sql(`UPDATE steps SET output = '"forged"' WHERE run_id = $1 AND seq = 1`, [id]);
    await h.clock.advance(1000);
    expect(await h.result(vigil, id)).toBe('original');
    const run = await vigil.getRun(id);
    expect(run!.steps[0]!.intact).toBe(true);
    expect(reads).toBe(2);
  });

  it('treats recorded steps the code no longer reaches as a mismatch', async () => {
    const long = defineWorkflow({ name: 'shrinking', input: Input }, async (ctx) => {
      await ctx.step('a', () => 1);
      await ctx.sleep('nap', '1s');
      return 'long';
    });
    const first = h.vigil([long], { worker: { pollMs: 60_000 } });
    const { id } = await first.start(long, { n: 1 });
    await h.until(async () => (await first.getRun(id))?.status === 'sleeping');
    await first.close();
    const short = defineWorkflow({ name: 'shrinking', input: Input }, () => Promise.resolve('short'));
    const second = h.vigil([short], { worker: { pollMs: 60_000 } });
    await h.clock.advance(1000);
    await expect(h.result(second, id)).rejects.toThrow(/history records "a"/);
  });

  it('applies the input schema at execution, transforms included', async () => {
    const wf = defineWorkflow(
      { name: 'transform', input: z.object({ name: z.string().transform((s) => s.toUpperCase()) }) },
      (_ctx, input) => Promise.resolve(input.name),
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { name: 'ada' });
    expect(await h.result(vigil, id)).toBe('ADA');
    expect((await vigil.getRun(id))!.input).toEqual({ name: 'ada' });
  });

  it('waits for a step still in flight before finishing the run', async () => {
    const done: string[] = [];
    const wf = defineWorkflow({ name: 'dangling', input: Input }, (ctx) => {
      void ctx.step('background', async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        done.push('background');
      });
      return Promise.resolve('returned');
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { n: 1 });
    expect(await h.result(vigil, id)).toBe('returned');
    expect(done).toEqual(['background']);
    expect((await vigil.getRun(id))!.steps[0]!.status).toBe('completed');
  });

  it('stops executing a cancelled run and aborts its step', async () => {
    const started = gate();
    let aborted = false;
    const after: string[] = [];
    const wf = defineWorkflow({ name: 'cancellable', input: Input }, async (ctx) => {
      await ctx.step('long', ({ signal }) => {
        started.open();
        return new Promise((resolve) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve('aborted');
          }),
        );
      });
      await ctx.step('after', () => after.push('after'));
      return 'finished';
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 100, leaseTtlMs: 1000 } });
    const { id } = await vigil.start(wf, { n: 1 });
    await started.promise;
    await vigil.cancel(id);
    await h.until(() => aborted);
    await h.clock.advance(5000);
    expect(after).toEqual([]);
    const run = await vigil.getRun(id);
    expect(run!.status).toBe('cancelled');
    expect(run!.steps[0]!.status).toBe('cancelled');
  });
});
