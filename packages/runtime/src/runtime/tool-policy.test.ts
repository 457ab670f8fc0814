import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, gate, type Dialect } from '../../test/helpers/harness.js';
import { Cover, NO_JITTER } from '../../test/fixtures/tools.js';
import type { Vigil } from '../compose.js';
import { defineTool } from '../core/tool.js';
import { defineWorkflow } from '../core/workflow.js';
import { FakeClock } from '../testing/fake-clock.js';
import type { RuntimeEventMap } from './events.js';
import { ArmedFailpoints } from './failpoints.js';

type Decided = RuntimeEventMap['policy.decided'];

const Order = z.object({ patientId: z.string(), qty: z.number().optional(), note: z.string().optional() });
const Input = z.object({ patientId: z.string() });

/** A tool that records every call it gets, outside Vigil's own records. */
function ledgerTool(name: string, options: Record<string, unknown> = {}, failFirst = 0) {
  const calls: Array<z.infer<typeof Order>> = [];
  const tool = defineTool({
    name,
    input: Order,
    output: Cover,
    retry: { attempts: 2, initialDelay: '1s', ...NO_JITTER },
    ...options,
    run: (args) => {
      calls.push(args);
      if (calls.length <= failFirst) throw new Error('flaky');
      return { eligible: true };
    },
  });
  return { tool, calls };
}

function observe(vigil: Vigil): Decided[] {
  const seen: Decided[] = [];
  vigil.events.on('policy.decided', (event) => seen.push(event));
  return seen;
}

const summary = (events: Decided[]) => events.map((e) => [e.tool, e.decision, e.rule]);

describe.each(DIALECTS)('tool access policy on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('allows listed calls and records the decision once per step; without a policy the rule is null', async () => {
    const { tool, calls } = ledgerTool('ehr.read', {}, 1);
    const governed = defineWorkflow(
      { name: 'governed', input: Input, policy: { tools: ['ehr.read'] } },
      async (ctx, input) => ctx.tool(tool, { patientId: input.patientId }),
    );
    const open = defineWorkflow({ name: 'open', input: Input }, async (ctx, input) =>
      ctx.tool(tool, { patientId: input.patientId }),
    );
    const vigil = h.vigil([governed, open], { worker: { pollMs: 60_000 } });
    const events = observe(vigil);
    const { id } = await vigil.start(governed, { patientId: 'P-1' }, { principal: 'key:k1' });
    // The first attempt fails and the second runs after a backoff, in a new execution: the
    // policy is not asked again.
    expect(await h.result(vigil, id)).toEqual({ eligible: true });
    expect(calls).toHaveLength(2);
    expect(events).toEqual([
      {
        runId: id,
        seq: 1,
        step: 'ehr.read',
        tool: 'ehr.read',
        decision: 'allowed',
        rule: 'tools',
        reason: null,
        args: { patientId: 'P-1' },
        principal: 'key:k1',
      },
    ]);
    const { id: other } = await vigil.start(open, { patientId: 'P-2' });
    await h.result(vigil, other);
    expect(events[1]).toMatchObject({ runId: other, decision: 'allowed', rule: null });
  });

  it('denies a tool outside the list and an argument outside a constraint; the tool is never called', async () => {
    const { tool, calls } = ledgerTool('pharmacy.order');
    const { tool: unlisted, calls: unlistedCalls } = ledgerTool('ehr.write');
    const denials: unknown[] = [];
    const wf = defineWorkflow(
      {
        name: 'constrained',
        input: Input,
        policy: {
          tools: ['pharmacy.order'],
          constraints: { 'pharmacy.order': { patientId: '$input.patientId', qty: { min: 1, max: 100 } } },
        },
      },
      async (ctx, input) => {
        const calls: Array<[string, z.infer<typeof Order>]> = [
          ['other-patient', { patientId: 'P-2', qty: 1 }],
          ['too-many', { patientId: input.patientId, qty: 500 }],
        ];
        for (const [name, args] of calls) {
          await ctx.tool(tool, args, { name }).catch((error: unknown) => denials.push(error));
        }
        await ctx.tool(unlisted, { patientId: input.patientId }).catch((error: unknown) => denials.push(error));
        return ctx.tool(tool, { patientId: input.patientId, qty: 3 }, { name: 'allowed' });
      },
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const events = observe(vigil);
    const { id } = await vigil.start(wf, { patientId: 'P-1' });
    expect(await h.result(vigil, id)).toEqual({ eligible: true });
    // Only the allowed call reached the tool; the unlisted one never did.
    expect(calls).toEqual([{ patientId: 'P-1', qty: 3 }]);
    expect(unlistedCalls).toEqual([]);
    expect(summary(events)).toEqual([
      ['pharmacy.order', 'denied', 'constraints.pharmacy.order.patientId'],
      ['pharmacy.order', 'denied', 'constraints.pharmacy.order.qty'],
      ['ehr.write', 'denied', 'tools'],
      ['pharmacy.order', 'allowed', 'constraints.pharmacy.order'],
    ]);
    expect(events[0]).toMatchObject({
      args: { patientId: 'P-2', qty: 1 },
      reason: expect.stringContaining('"P-1"') as string,
    });
    expect(denials).toHaveLength(3);
    expect(denials[0]).toMatchObject({
      code: 'step_failed',
      failure: {
        code: 'policy_denied',
        details: { rule: 'constraints.pharmacy.order.patientId', tool: 'pharmacy.order' },
      },
    });
    // Denied at once, without retries: one rejected attempt, never a running one.
    const run = (await vigil.getRun(id))!;
    const first = run.steps.find((s) => s.name === 'other-patient')!;
    expect(first).toMatchObject({
      status: 'failed',
      attempts: 0,
      error: { code: 'policy_denied' },
      policy: { decision: 'denied', rule: 'constraints.pharmacy.order.patientId' },
    });
    expect(run.steps.find((s) => s.name === 'allowed')).toMatchObject({
      policy: { decision: 'allowed', rule: 'constraints.pharmacy.order', reason: null },
    });
    expect(first.failedAttempts.map((a) => a.outcome)).toEqual(['rejected']);
  });

  it('checks every constraint form end to end', async () => {
    const { tool, calls } = ledgerTool('pharmacy.order');
    const wf = defineWorkflow(
      {
        name: 'forms',
        input: Input,
        policy: {
          constraints: {
            'pharmacy.order': {
              patientId: 'P-1',
              note: { oneOf: ['routine', 'follow-up'] },
              qty: { check: (value) => (value === undefined || (value as number) % 2 === 0 ? true : 'odd quantity') },
            },
          },
        },
      },
      async (ctx, input) => {
        const outcomes: string[] = [];
        const attempts: Array<z.infer<typeof Order>> = [
          { patientId: 'P-9', note: 'routine' },
          { patientId: input.patientId, note: 'stat' },
          { patientId: input.patientId, note: 'routine', qty: 3 },
          { patientId: input.patientId, note: 'follow-up', qty: 4 },
        ];
        for (const [i, args] of attempts.entries()) {
          outcomes.push(
            await ctx.tool(tool, args, { name: `call-${i}` }).then(
              () => 'ran',
              (error: { failure: { details: { rule: string; reason: string } } }) =>
                `${error.failure.details.rule}: ${error.failure.details.reason}`,
            ),
          );
        }
        return outcomes;
      },
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { patientId: 'P-1' });
    expect(await h.result(vigil, id)).toEqual([
      'constraints.pharmacy.order.patientId: argument patientId ("P-9") must equal "P-1"',
      'constraints.pharmacy.order.note: argument note ("stat") must be one of "routine", "follow-up"',
      'constraints.pharmacy.order.qty: odd quantity',
      'ran',
    ]);
    expect(calls).toEqual([{ patientId: 'P-1', note: 'follow-up', qty: 4 }]);
  });

  it('continues with the fallback when a denied call has onExhausted: skip', async () => {
    const { tool, calls } = ledgerTool('ehr.read', { onExhausted: 'skip', fallback: { eligible: false } });
    const wf = defineWorkflow({ name: 'skipping', input: Input, policy: { tools: [] } }, async (ctx, input) =>
      ctx.tool(tool, { patientId: input.patientId }),
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { patientId: 'P-1' });
    expect(await h.result(vigil, id)).toEqual({ eligible: false });
    expect(calls).toEqual([]);
    const run = (await vigil.getRun(id))!;
    expect(run.status).toBe('completed_partial');
    expect(run.steps[0]).toMatchObject({ status: 'degraded', attempts: 0 });
  });

  it('runs an approved call once with the approved arguments, durably, and never runs a rejected one', async () => {
    const { tool, calls } = ledgerTool('pharmacy.order', {}, 1);
    const wf = defineWorkflow(
      {
        name: 'approvals',
        input: Input,
        policy: {
          tools: ['pharmacy.order'],
          approval: {
            'pharmacy.order': { when: (args) => ((args as { qty?: number }).qty ?? 0) > 10, assignee: 'pharmacist' },
          },
        },
      },
      async (ctx, input) => ctx.tool(tool, { patientId: input.patientId, qty: 20 }, { name: 'order' }),
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const events = observe(vigil);

    const { id } = await vigil.start(wf, { patientId: 'P-1' });
    await h.until(async () => (await vigil.getRun(id))?.status === 'waiting');
    const [approval] = (await vigil.escalations.list({ runId: id })).escalations;
    expect(approval).toMatchObject({
      kind: 'approval',
      assignee: 'pharmacist',
      blocking: true,
      step: 'order',
      context: { tool: 'pharmacy.order', args: { patientId: 'P-1', qty: 20 }, rule: 'approval.pharmacy.order' },
    });
    expect(calls).toEqual([]);
    // Only approve, reject or abort fit an approval.
    await expect(vigil.escalations.resolve(approval!.id, { decision: 'retry' })).rejects.toMatchObject({
      code: 'decision_not_applicable',
    });
    await vigil.escalations.resolve(approval!.id, { decision: 'approve', principal: 'key:pharm' });
    // The first attempt fails; the retry after the backoff runs without a second approval.
    expect(await h.result(vigil, id)).toEqual({ eligible: true });
    expect(calls).toEqual([
      { patientId: 'P-1', qty: 20 },
      { patientId: 'P-1', qty: 20 },
    ]);
    expect((await vigil.escalations.list({ runId: id, status: 'all' })).escalations).toHaveLength(1);
    expect(summary(events)).toEqual([
      ['pharmacy.order', 'approval_requested', 'approval.pharmacy.order'],
      ['pharmacy.order', 'approved', 'approval.pharmacy.order'],
    ]);

    const rejected = await vigil.start(wf, { patientId: 'P-2' });
    await h.until(async () => (await vigil.getRun(rejected.id))?.status === 'waiting');
    const [second] = (await vigil.escalations.list({ runId: rejected.id })).escalations;
    await vigil.escalations.resolve(second!.id, { decision: 'reject', note: 'dose too high' });
    await expect(h.result(vigil, rejected.id)).rejects.toThrow(/dead_lettered/);
    expect(calls).toHaveLength(2);
    const step = (await vigil.getRun(rejected.id))!.steps[0]!;
    expect(step).toMatchObject({
      status: 'failed',
      error: { code: 'policy_denied', details: { rule: 'approval.pharmacy.order', reason: 'dose too high' } },
    });
    expect(summary(events).slice(2)).toEqual([
      ['pharmacy.order', 'approval_requested', 'approval.pharmacy.order'],
      ['pharmacy.order', 'rejected', 'approval.pharmacy.order'],
    ]);
  });

  it('does not ask again when the worker dies after the approval', async () => {
    const { tool, calls } = ledgerTool('pharmacy.order');
    const wf = defineWorkflow(
      { name: 'approval-crash', input: Input, policy: { approval: ['pharmacy.order'] } },
      async (ctx, input) => ctx.tool(tool, { patientId: input.patientId, qty: 5 }),
    );
    // Worker A runs the approved call and dies before its outcome commits; B takes the run over.
    const hold = gate();
    const frozen = new FakeClock(h.clock.now());
    const failpoints = new ArmedFailpoints().arm('step.after-body', () => hold.promise);
    const a = h.vigil([wf], { clock: frozen, failpoints, worker: { leaseTtlMs: 1000, pollMs: 100 } });
    const { id } = await a.start(wf, { patientId: 'P-1' });
    await h.until(async () => (await a.getRun(id))?.status === 'waiting');
    const [approval] = (await a.escalations.list({ runId: id })).escalations;
    await a.escalations.resolve(approval!.id, { decision: 'approve' });
    await h.until(() => calls.length === 1);
    const b = h.vigil([wf], { worker: { leaseTtlMs: 1000, pollMs: 100 } });
    const seenByB = observe(b);
    expect(await h.result(b, id)).toEqual({ eligible: true });
    expect((await b.escalations.list({ runId: id, status: 'all' })).escalations).toHaveLength(1);
    await b.close();
    hold.open();
    expect(seenByB).toEqual([]);
    expect(calls).toEqual([
      { patientId: 'P-1', qty: 5 },
      { patientId: 'P-1', qty: 5 },
    ]);
  });

  it('refuses approve and reject on escalations that are not approvals', async () => {
    const { tool } = ledgerTool('insurance.check', { retry: { attempts: 1 }, onExhausted: 'escalate' }, 5);
    const wf = defineWorkflow({ name: 'plain-escalation', input: Input }, async (ctx, input) =>
      ctx.tool(tool, { patientId: input.patientId }),
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { patientId: 'P-1' });
    await h.until(async () => (await vigil.getRun(id))?.status === 'waiting');
    const [open] = (await vigil.escalations.list({ runId: id })).escalations;
    for (const decision of ['approve', 'reject'] as const) {
      await expect(vigil.escalations.resolve(open!.id, { decision })).rejects.toMatchObject({
        code: 'decision_not_applicable',
      });
    }
    await vigil.escalations.resolve(open!.id, { decision: 'provide', value: { eligible: true } });
    expect(await h.result(vigil, id)).toEqual({ eligible: true });
  });

  it('shares a rate limit between two instances: a limited call waits durably, or fails', async () => {
    const { tool, calls } = ledgerTool('sms.send');
    const waits = defineWorkflow(
      { name: 'limited', input: Input, policy: { rateLimits: { 'sms.send': { limit: 1, period: '1m' } } } },
      async (ctx, input) => ctx.tool(tool, { patientId: input.patientId }),
    );
    const fails = defineWorkflow(
      {
        name: 'limited-fail',
        input: Input,
        policy: { rateLimits: { 'sms.send': { limit: 1, period: '1m', whenLimited: 'fail' } } },
      },
      async (ctx, input) => ctx.tool(tool, { patientId: input.patientId }),
    );
    const a = h.vigil([waits, fails], { worker: { pollMs: 60_000 } });
    const b = h.vigil([waits, fails], { worker: { pollMs: 60_000 } });
    const events = observe(a);
    b.events.on('policy.decided', (e) => events.push(e));

    const first = await a.start(waits, { patientId: 'P-1' });
    expect(await h.result(a, first.id)).toEqual({ eligible: true });
    const second = await b.start(waits, { patientId: 'P-2' });
    await h.until(async () => (await b.getRun(second.id))?.status === 'retrying');
    const waiting = (await b.getRun(second.id))!;
    expect(waiting.steps[0]).toMatchObject({ status: 'retrying', attempts: 0 });
    expect(Date.parse(waiting.wakeAt!) - h.clock.now()).toBeGreaterThan(50_000);
    expect(calls).toHaveLength(1);
    // A run of another workflow on the global bucket with whenLimited: 'fail' is denied.
    const third = await a.start(fails, { patientId: 'P-3' });
    await expect(h.result(a, third.id)).rejects.toThrow(/dead_lettered/);
    expect((await a.getRun(third.id))!.steps[0]!.error).toMatchObject({
      code: 'policy_denied',
      details: { rule: 'rateLimits.sms.send' },
    });
    // A minute on, the waiting call gets its token and runs, its attempts untouched. (Up to two
    // minutes of fake time: the minute is counted from the refusal, and on PostgreSQL the
    // bucket's clock is the database's.)
    await h.until(async () => (await b.getRun(second.id))?.status === 'completed', { maxMs: 120_000 });
    expect(await h.result(b, second.id)).toEqual({ eligible: true });
    expect((await b.getRun(second.id))!.steps[0]).toMatchObject({ status: 'completed', attempts: 1 });
    expect(calls.map((c) => c.patientId)).toEqual(['P-1', 'P-2']);
    expect(events.filter((e) => e.decision === 'rate_limited').map((e) => [e.runId, e.rule])).toEqual(
      expect.arrayContaining([
        [second.id, 'rateLimits.sms.send'],
        [third.id, 'rateLimits.sms.send'],
      ]),
    );
  });
});
