import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import { defineTool } from '../core/tool.js';
import { defineWorkflow } from '../core/workflow.js';
import { corruptCheckpoint } from '../testing/corrupt-checkpoint.js';
import { mayRerun, planForKind } from './corrupt-step.js';
import type { RuntimeEventMap } from './events.js';

const Input = z.object({ n: z.number() });
type Corrupted = RuntimeEventMap['checkpoint.corrupted'];

describe('the re-run rule', () => {
  it('re-runs a step unless it declares an at-most-once effect', () => {
    expect(mayRerun('none')).toBe(true);
    expect(mayRerun('idempotent')).toBe(true);
    expect(mayRerun('at-most-once')).toBe(false);
  });

  it('re-runs memory calls and asks a human about escalations and event waits', () => {
    expect(planForKind('memory').rerun).toBe(true);
    expect(planForKind('escalation').rerun).toBe(false);
    expect(planForKind('event').rerun).toBe(false);
  });
});

describe.each(DIALECTS)('a corrupted checkpoint on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  const calls = { compute: 0, charge: 0, after: 0 };
  const charge = defineTool({
    name: 'card.charge',
    version: '1.0.0',
    input: z.object({ cents: z.number() }),
    output: z.object({ receipt: z.string() }),
    effects: 'at-most-once',
    retry: { attempts: 1 },
    run: (input, { idempotencyKey }) => {
      calls.charge++;
      return { receipt: `r-${input.cents}-${idempotencyKey}` };
    },
  });
  const wf = defineWorkflow({ name: 'corrupt.flow', input: Input }, async (ctx, input) => {
    const computed = await ctx.step('compute', () => (calls.compute++, { doubled: input.n * 2 }));
    const paid = await ctx.tool(charge, { cents: computed.doubled });
    await ctx.sleep('nap', '1s');
    const after = await ctx.step('after', () => (calls.after++, `${paid.receipt}!`));
    return { doubled: computed.doubled, receipt: paid.receipt, after };
  });

  async function napping(): Promise<{ vigil: ReturnType<Harness['vigil']>; id: string; seen: Corrupted[] }> {
    calls.compute = calls.charge = calls.after = 0;
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const seen: Corrupted[] = [];
    vigil.events.on('checkpoint.corrupted', (event) => seen.push(event));
    const { id } = await vigil.start(wf, { n: 21 });
    await h.until(async () => (await vigil.getRun(id))?.status === 'sleeping');
    return { vigil, id, seen };
  }

  it('re-runs an idempotent step, replaces the bad row, and records what it found and did', async () => {
    const { vigil, id, seen } = await napping();
    await corruptCheckpoint({ database: h.database, runId: id, seq: 1, field: 'output', bit: 12 });
    await h.clock.advance(1000);
    expect(await h.result(vigil, id)).toEqual({ doubled: 42, receipt: `r-42-${id}:2`, after: `r-42-${id}:2!` });
    expect(calls).toEqual({ compute: 2, charge: 1, after: 1 });
    expect(seen).toEqual([expect.objectContaining({ runId: id, seq: 1, step: 'compute', action: 'rerun' })]);
    const steps = (await vigil.getRun(id))!.steps;
    expect(steps.every((s) => s.intact)).toBe(true);
    await vigil.audit.flush();
    const trail = (await vigil.audit.list({ runId: id })).entries.filter((e) => e.type === 'checkpoint.corrupted');
    expect(trail).toHaveLength(1);
    expect(trail[0]!.data).toMatchObject({ seq: 1, step: 'compute', action: 'rerun' });
    expect((await vigil.audit.verify()).ok).toBe(true);
  });

  it('holds the run on a blocking escalation for an at-most-once step; provide supplies its result', async () => {
    const { vigil, id, seen } = await napping();
    await corruptCheckpoint({ database: h.database, runId: id, seq: 2, field: 'output', bit: 30 });
    await h.clock.advance(1000);
    await h.until(async () => (await vigil.getRun(id))?.status === 'waiting');
    const [open] = (await vigil.escalations.list({ runId: id })).escalations;
    expect(open).toMatchObject({ kind: 'checkpoint_corrupted', seq: 2, step: 'card.charge', blocking: true });
    expect(seen).toEqual([expect.objectContaining({ seq: 2, action: 'escalated', escalationId: open!.id })]);
    expect(calls).toEqual({ compute: 1, charge: 1, after: 0 });
    await expect(
      vigil.escalations.resolve(open!.id, { decision: 'provide', value: { receipt: 7 } }),
    ).resolves.toBeTruthy();
    // A value that does not fit the tool's output schema ends the run: it is never used.
    await expect(h.result(vigil, id)).rejects.toThrow(/invalid result/);
    expect(calls.after).toBe(0);
  });

  it('continues with a provided value that fits the output schema, without calling the tool again', async () => {
    const { vigil, id } = await napping();
    await corruptCheckpoint({ database: h.database, runId: id, seq: 2, field: 'name', bit: 3 });
    await h.clock.advance(1000);
    await h.until(async () => (await vigil.getRun(id))?.status === 'waiting');
    const [open] = (await vigil.escalations.list({ runId: id })).escalations;
    await vigil.escalations.resolve(open!.id, { decision: 'provide', value: { receipt: 'from-the-bank' } });
    expect(await h.result(vigil, id)).toEqual({ doubled: 42, receipt: 'from-the-bank', after: 'from-the-bank!' });
    expect(calls).toEqual({ compute: 1, charge: 1, after: 1 });
  });

  it('runs the step again on retry', async () => {
    const { vigil, id } = await napping();
    await corruptCheckpoint({ database: h.database, runId: id, seq: 2, field: 'status', bit: 1 });
    await h.clock.advance(1000);
    await h.until(async () => (await vigil.getRun(id))?.status === 'waiting');
    const [open] = (await vigil.escalations.list({ runId: id })).escalations;
    await vigil.escalations.resolve(open!.id, { decision: 'retry' });
    expect(await h.result(vigil, id)).toEqual({ doubled: 42, receipt: `r-42-${id}:2`, after: `r-42-${id}:2!` });
    expect(calls).toEqual({ compute: 1, charge: 2, after: 1 });
  });

  it.each(['skip', 'abort'] as const)('dead-letters the run with checkpoint_corrupted on %s', async (decision) => {
    const { vigil, id, seen } = await napping();
    await corruptCheckpoint({ database: h.database, runId: id, seq: 2, field: 'output', bit: 9 });
    await h.clock.advance(1000);
    await h.until(async () => (await vigil.getRun(id))?.status === 'waiting');
    const [open] = (await vigil.escalations.list({ runId: id })).escalations;
    await vigil.escalations.resolve(open!.id, { decision });
    await expect(h.result(vigil, id)).rejects.toThrow(/checksum/);
    const run = (await vigil.getRun(id))!;
    expect(run.status).toBe('dead_lettered');
    expect(run.error!.code).toBe('checkpoint_corrupted');
    expect(seen.map((e) => e.action)).toEqual(['escalated', 'dead_lettered']);
    expect(calls).toEqual({ compute: 1, charge: 1, after: 0 });
  });

  it('dead-letters a run whose input is corrupted, and refuses to replay it', async () => {
    const { vigil, id, seen } = await napping();
    await corruptCheckpoint({ database: h.database, runId: id, field: 'input', bit: 2 });
    await h.clock.advance(1000);
    await expect(h.result(vigil, id)).rejects.toThrow(/stored input/);
    const run = (await vigil.getRun(id))!;
    expect(run.status).toBe('dead_lettered');
    expect(run.error!.code).toBe('checkpoint_corrupted');
    expect(seen).toEqual([expect.objectContaining({ seq: 0, step: null, action: 'dead_lettered' })]);
    expect(calls.after).toBe(0);
    await expect(vigil.client.replay(id)).rejects.toMatchObject({ code: 'input_corrupted' });
    const letter = (await vigil.deadLetters.list()).deadLetters.find((d) => d.runId === id);
    await expect(vigil.deadLetters.replay(letter!.id)).rejects.toMatchObject({ code: 'input_corrupted' });
    // With the input supplied again, a new run carries on from the top.
    const { runId } = await vigil.deadLetters.replay(letter!.id, { input: { n: 21 } });
    expect(runId).not.toBe(id);
  });

  it('re-draws a corrupted journaled value and sleeps again after a corrupted sleep', async () => {
    const journaled = defineWorkflow({ name: 'corrupt.journal', input: Input }, async (ctx) => {
      const id = ctx.uuid();
      await ctx.sleep('first', '1s');
      await ctx.sleep('second', '1s');
      return id;
    });
    const vigil = h.vigil([journaled], { worker: { pollMs: 60_000 } });
    const seen: Corrupted[] = [];
    vigil.events.on('checkpoint.corrupted', (event) => seen.push(event));
    const { id } = await vigil.start(journaled, { n: 1 });
    await h.until(async () => (await vigil.getRun(id))?.status === 'sleeping');
    await h.clock.advance(1000);
    await h.until(async () => (await vigil.getRun(id))?.steps.length === 3);
    const [row] = (await h.sql('SELECT output FROM steps WHERE run_id = $1 AND seq = 1', [id])) as { output: string }[];
    const original = JSON.parse(row!.output) as string;
    await corruptCheckpoint({ database: h.database, runId: id, seq: 1, field: 'output', bit: 20 });
    await corruptCheckpoint({ database: h.database, runId: id, seq: 2, field: 'status', bit: 0 });
    const value = await h.result<string>(vigil, id);
    expect(value).toMatch(/^[0-9a-f-]{36}$/);
    expect(value).not.toBe(original);
    expect(seen.map((e) => [e.seq, e.action])).toEqual([
      [1, 'rerun'],
      [2, 'rerun'],
    ]);
  });

  it('dead-letters a run that reads a damaged agent-memory value, never handing it to the workflow', async () => {
    const seenValues: unknown[] = [];
    const memo = defineWorkflow({ name: 'corrupt.memory', agent: 'bot', input: Input }, async (ctx, input) => {
      if (input.n === 1) return (await ctx.memory.agent().set('fact', { answer: 42 })).version;
      await ctx.sleep('nap', '1s');
      seenValues.push(await ctx.memory.agent().get('fact'));
      return 'read';
    });
    const vigil = h.vigil([memo], { worker: { pollMs: 60_000 } });
    const seen: Corrupted[] = [];
    vigil.events.on('checkpoint.corrupted', (event) => seen.push(event));
    const writer = await vigil.start(memo, { n: 1 });
    expect(await h.result(vigil, writer.id)).toBe(1);
    const { id } = await vigil.start(memo, { n: 2 });
    await h.until(async () => (await vigil.getRun(id))?.status === 'sleeping');
    await h.sql(`UPDATE memory SET value = '{"answer":43}' WHERE agent = 'bot' AND key = 'fact'`);
    await expect(h.result(vigil, id)).rejects.toThrow(/checksum/);
    expect((await vigil.getRun(id))!.status).toBe('dead_lettered');
    expect(seenValues).toEqual([]);
    expect(seen).toEqual([expect.objectContaining({ runId: id, kind: 'memory', action: 'dead_lettered' })]);
  });
});
