import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import { Input, NO_JITTER, scriptedTool } from '../../test/fixtures/tools.js';
import { InvalidArgumentError } from '../core/errors.js';
import { defineWorkflow } from '../core/workflow.js';

describe.each(DIALECTS)('escalations on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('holds a run for a blocking escalation and resumes it with the human decision', async () => {
    const { tool, calls } = scriptedTool('insurance.check', [new Error('insurer down')], {
      retry: { attempts: 2, initialDelay: '1s', ...NO_JITTER },
      onExhausted: 'escalate',
      escalateTo: 'billing',
    });
    const wf = defineWorkflow({ name: 'escalating', input: Input }, async (ctx, input) => ctx.tool(tool, input));
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });

    // provide: the human's value becomes the step's result, checked against the output schema.
    const first = await vigil.start(wf, { patientId: 'P-5' });
    await h.until(async () => (await vigil.getRun(first.id))?.status === 'waiting');
    const [open] = (await vigil.escalations.list({ runId: first.id })).escalations;
    expect(open).toMatchObject({ kind: 'exhausted', assignee: 'billing', blocking: true, status: 'open' });
    expect(open!.context).toMatchObject({
      failingStep: { name: 'insurance.check', attempts: 2 },
      attempts: [
        { attempt: 1, error: 'insurer down', delayMs: 1000 },
        { attempt: 2, error: 'insurer down', delayMs: null },
      ],
    });
    await expect(vigil.escalations.resolve(open!.id, { decision: 'provide' })).rejects.toThrow(InvalidArgumentError);
    await vigil.escalations.resolve(open!.id, { decision: 'provide', value: { eligible: true }, principal: 'ana' });
    expect(await h.result(vigil, first.id)).toEqual({ eligible: true });
    await expect(vigil.escalations.resolve(open!.id, { decision: 'skip' })).rejects.toMatchObject({
      code: 'escalation_not_open',
    });

    // retry: a new round of attempts; abort: the run ends failed, not dead-lettered.
    const second = await vigil.start(wf, { patientId: 'P-6' });
    await h.until(async () => (await vigil.getRun(second.id))?.status === 'waiting');
    const before = calls.length;
    const [again] = (await vigil.escalations.list({ runId: second.id })).escalations;
    await vigil.escalations.resolve(again!.id, { decision: 'retry' });
    await h.until(
      async () =>
        (await vigil.escalations.list({ runId: second.id })).escalations.length === 1 && calls.length >= before + 2,
    );
    const [third] = (await vigil.escalations.list({ runId: second.id, status: 'open' })).escalations;
    await vigil.escalations.resolve(third!.id, { decision: 'abort', note: 'patient left' });
    await expect(h.result(vigil, second.id)).rejects.toThrow(/failed/);
    expect((await vigil.getRun(second.id))!.status).toBe('failed');
    expect((await vigil.deadLetters.list()).deadLetters).toHaveLength(0);
  });

  it('lets a blocking escalation time out into its onEscalationTimeout decision', async () => {
    const { tool } = scriptedTool('notify.send', [new Error('smtp down')], {
      retry: { attempts: 1 },
      onExhausted: 'escalate',
      escalationTimeout: '1h',
      onEscalationTimeout: 'skip',
      fallback: { eligible: false },
    });
    const wf = defineWorkflow({ name: 'escalation-timeout', input: Input }, async (ctx, input) =>
      ctx.tool(tool, input),
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { patientId: 'P-7' });
    await h.until(async () => (await vigil.getRun(id))?.status === 'waiting');
    expect(Date.parse((await vigil.getRun(id))!.wakeAt!) - h.clock.now()).toBeGreaterThan(3_500_000);
    await h.clock.advance(3_600_000);
    expect(await h.result(vigil, id)).toEqual({ eligible: false });
    const run = (await vigil.getRun(id))!;
    expect(run.status).toBe('completed_partial');
    expect(run.escalations[0]).toMatchObject({ status: 'timed_out', decision: 'skip', resolvedBy: 'timeout' });
  });

  it('ctx.escalate hands the workflow the decision, and a non-blocking one returns at once', async () => {
    const wf = defineWorkflow({ name: 'manual-escalation', input: Input }, async (ctx) => {
      const fyi = await ctx.escalate({
        name: 'fyi',
        reason: 'dose looks high',
        blocking: false,
        assignee: 'pharmacist',
      });
      const approval = await ctx.escalate<{ approved: boolean }>({
        name: 'approve',
        reason: 'approve discharge',
        assignee: 'doctor',
      });
      return { fyi: fyi.decision, approval };
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { patientId: 'P-8' });
    await h.until(async () => (await vigil.getRun(id))?.status === 'waiting');
    const open = (await vigil.escalations.list({ runId: id })).escalations.sort((a, b) => a.seq - b.seq);
    expect(open.map((e) => [e.step, e.blocking])).toEqual([
      ['fyi', false],
      ['approve', true],
    ]);
    await vigil.escalations.resolve(open[1]!.id, {
      decision: 'provide',
      value: { approved: true },
      principal: 'dr-who',
    });
    const output = await h.result<{ fyi: unknown; approval: { decision: string; value: unknown; resolvedBy: string } }>(
      vigil,
      id,
    );
    expect(output).toEqual({
      fyi: null,
      approval: { escalationId: open[1]!.id, decision: 'provide', value: { approved: true }, resolvedBy: 'dr-who' },
    });
    expect((await vigil.getRun(id))!.status).toBe('completed_partial');
  });
});
