import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import { Input } from '../../test/fixtures/tools.js';
import { NonRetryableError } from '../core/errors.js';
import { defineWorkflow } from '../core/workflow.js';

describe.each(DIALECTS)('dead letters on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('replays a dead letter from its last good checkpoint without re-running completed steps', async () => {
    const ran: string[] = [];
    let broken = true;
    const wf = defineWorkflow({ name: 'replayable', input: Input }, async (ctx) => {
      const a = await ctx.step('a', () => (ran.push('a'), 1));
      const b = await ctx.step('b', () => (ran.push('b'), 2));
      const c = await ctx.step('c', () => {
        ran.push('c');
        if (broken) throw new Error('ledger locked');
        return 3;
      });
      return a + b + c;
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { patientId: 'P-9' });
    await expect(h.result(vigil, id)).rejects.toThrow(/dead_lettered/);
    const [letter] = (await vigil.deadLetters.list()).deadLetters;
    expect(letter).toMatchObject({ runId: id, failedStep: { seq: 3, name: 'c' } });
    broken = false;
    const replay = await vigil.deadLetters.replay(letter!.id, { principal: 'ops' });
    expect(replay).toMatchObject({ runId: id, fromSeq: 3 });
    expect(await h.result(vigil, id)).toBe(6);
    expect(ran).toEqual(['a', 'b', 'c', 'c']);
    await expect(vigil.deadLetters.replay(letter!.id)).rejects.toMatchObject({ code: 'dead_letter_replayed' });
    expect((await vigil.deadLetters.list()).deadLetters).toHaveLength(0);
    expect((await vigil.deadLetters.list({ includeReplayed: true })).deadLetters[0]).toMatchObject({
      replayedBy: 'ops',
      replayRunId: id,
    });
  });

  it('replays from a named step, or as a new run with edited input', async () => {
    const ran: string[] = [];
    const wf = defineWorkflow({ name: 'replay-options', input: Input }, async (ctx, input) => {
      await ctx.step('a', () => ran.push('a'));
      await ctx.step('b', () => {
        ran.push('b');
        if (input.patientId === 'bad') throw new NonRetryableError('bad patient');
      });
      return input.patientId;
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { patientId: 'bad' });
    await expect(h.result(vigil, id)).rejects.toThrow(/dead_lettered/);
    const [letter] = (await vigil.deadLetters.list()).deadLetters;
    await expect(vigil.deadLetters.replay(letter!.id, { fromStep: 'zzz' })).rejects.toMatchObject({
      code: 'step_not_found',
    });
    const replay = await vigil.deadLetters.replay(letter!.id, { input: { patientId: 'good' } });
    expect(replay.runId).not.toBe(id);
    expect(await h.result(vigil, replay.runId)).toBe('good');
    expect((await vigil.getRun(replay.runId))!.replayOf).toBe(id);
    expect((await vigil.getRun(id))!.status).toBe('dead_lettered');

    // --from-step re-runs that step and everything after it.
    const other = await vigil.start(wf, { patientId: 'bad' });
    await expect(h.result(vigil, other.id)).rejects.toThrow(/dead_lettered/);
    const [second] = (await vigil.deadLetters.list()).deadLetters;
    ran.length = 0;
    await vigil.deadLetters.replay(second!.id, { fromStep: 'a' });
    await expect(h.result(vigil, other.id)).rejects.toThrow(/dead_lettered/);
    expect(ran).toEqual(['a', 'b']);
  });
});
