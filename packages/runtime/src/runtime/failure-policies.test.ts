import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DIALECTS, Harness, gate, type Dialect } from '../../test/helpers/harness.js';
import { Cover, Input, NO_JITTER, scriptedTool } from '../../test/fixtures/tools.js';
import { NonRetryableError, RetryableError } from '../core/errors.js';
import { defineTool } from '../core/tool.js';
import { defineWorkflow } from '../core/workflow.js';
import { FakeClock } from '../testing/fake-clock.js';
import { faults } from '../testing/faults.js';
import { ArmedFailpoints } from './failpoints.js';

describe.each(DIALECTS)('failure policies on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('validates a tool call, passes one idempotency key to every attempt, and retries durably with backoff', async () => {
    const { tool, calls } = scriptedTool('insurance.check', [new Error('502 from insurer'), new Error('reset'), 'ok']);
    const wf = defineWorkflow({ name: 'retrying', input: Input }, async (ctx, input) =>
      ctx.tool(tool, { patientId: input.patientId }, { name: 'insurance' }),
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { patientId: 'P-1' });
    // The first failure leaves the run released, waiting on a durable timer for 1 s.
    await h.until(async () => (await vigil.getRun(id))?.status === 'retrying', { stepMs: 10 });
    const waiting = (await vigil.getRun(id))!;
    expect(waiting.steps[0]).toMatchObject({ name: 'insurance', kind: 'tool', status: 'retrying', attempts: 1 });
    expect(Date.parse(waiting.wakeAt!) - h.clock.now()).toBeGreaterThan(900);

    expect(await h.result(vigil, id)).toEqual({ eligible: true });
    expect(calls).toEqual([
      { key: `${id}:1`, attempt: 1 },
      { key: `${id}:1`, attempt: 2 },
      { key: `${id}:1`, attempt: 3 },
    ]);
    const step = (await vigil.getRun(id))!.steps[0]!;
    expect(step).toMatchObject({ status: 'completed', attempts: 3 });
    expect(step.failedAttempts.map((a) => [a.attempt, a.outcome, a.error?.message, a.delayMs])).toEqual([
      [1, 'failed', '502 from insurer', 1000],
      [2, 'failed', 'reset', 2000],
    ]);
  });

  it('rejects bad arguments before the call and a bad result after it, naming the field', async () => {
    const broken = defineTool({
      name: 'broken.output',
      input: Input,
      output: Cover,
      run: () => ({ eligible: 'yes' }) as unknown as { eligible: boolean },
    });
    let threw: unknown;
    const wf = defineWorkflow({ name: 'bad-io', input: Input }, async (ctx) => {
      try {
        await ctx.tool(broken, { patientId: 7 } as unknown as { patientId: string });
      } catch (error) {
        threw = error;
      }
      return ctx.tool(broken, { patientId: 'P-1' });
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { patientId: 'P-1' });
    await expect(h.result(vigil, id)).rejects.toThrow(/dead_lettered/);
    expect(threw).toMatchObject({ code: 'tool_input_invalid', path: 'args.patientId' });
    const run = (await vigil.getRun(id))!;
    // The bad result is not retried (3 attempts allowed): it is not transient.
    expect(run.steps).toHaveLength(1);
    expect(run.steps[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(run.steps[0]!.error).toMatchObject({
      code: 'tool_output_invalid',
      details: { issues: [{ path: 'output.eligible' }] },
    });
  });

  it('stops at a NonRetryableError, honours RetryableError retryAfter, and dead-letters with the context', async () => {
    const { tool } = scriptedTool('crm.write', [
      new RetryableError('slow down', { retryAfter: '5s' }),
      new NonRetryableError('account closed'),
    ]);
    const wf = defineWorkflow({ name: 'typed-errors', input: Input }, async (ctx, input) => {
      await ctx.step('record', () => ({ ward: 'B' }));
      return ctx.tool(tool, input);
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { patientId: 'P-2' });
    await expect(h.result(vigil, id)).rejects.toThrow(/dead_lettered/);
    const run = (await vigil.getRun(id))!;
    expect(run.status).toBe('dead_lettered');
    expect(run.steps[1]!.failedAttempts.map((a) => a.delayMs)).toEqual([5000, null]);
    const { deadLetters } = await vigil.deadLetters.list();
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({
      runId: id,
      failedStep: { seq: 2, name: 'crm.write' },
      error: { code: 'step_failed' },
      context: {
        completedSteps: [{ seq: 1, name: 'record', status: 'completed' }],
        failingStep: { seq: 2, name: 'crm.write', attempts: 2 },
        attempts: [
          { attempt: 1, error: 'slow down' },
          { attempt: 2, error: 'account closed' },
        ],
      },
    });
  });

  it('times out a hung attempt, retries it, and dead-letters when every attempt times out', async () => {
    const slow = faults.hang(
      defineTool({
        name: 'pharmacy.order',
        input: Input,
        output: Cover,
        timeout: '10s',
        retry: { attempts: 2, initialDelay: '1s', ...NO_JITTER },
        run: () => ({ eligible: true }),
      }),
    );
    const wf = defineWorkflow({ name: 'timeouts', input: Input }, async (ctx, input) => ctx.tool(slow, input));
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000, leaseTtlMs: 60_000 } });
    const { id } = await vigil.start(wf, { patientId: 'P-3' });
    await expect(h.result(vigil, id)).rejects.toThrow(/dead_lettered/);
    const step = (await vigil.getRun(id))!.steps[0]!;
    expect(step.failedAttempts.map((a) => [a.outcome, a.error?.code])).toEqual([
      ['timed_out', 'timeout'],
      ['timed_out', 'timeout'],
    ]);
  });

  it('degrades with a fallback and finishes completed_partial with a summary', async () => {
    const { tool: summary } = scriptedTool('llm.summary', [new Error('model overloaded')], {
      retry: { attempts: 2, initialDelay: '100ms', ...NO_JITTER },
      onExhausted: 'skip',
      fallback: () => ({ eligible: false }),
    });
    const { tool: pharmacy } = scriptedTool('pharmacy.order', [new Error('pharmacy offline')], {
      retry: { attempts: 1 },
      onExhausted: 'escalate',
      escalateTo: 'pharmacist',
      blocking: false,
      fallback: { eligible: false },
    });
    const wf = defineWorkflow(
      {
        name: 'patient.discharge',
        input: Input,
        steps: ['record', { name: 'pharmacy', title: 'Pharmacy coordination' }, 'summary', 'notify'],
      },
      async (ctx, input) => {
        await ctx.step('record', () => 1);
        const meds = await ctx.tool(pharmacy, input, { name: 'pharmacy' });
        const text = await ctx.tool(summary, input, { name: 'summary' });
        await ctx.step('notify', () => 2);
        return { meds, text };
      },
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { patientId: 'P-4' });
    expect(await h.result(vigil, id)).toEqual({ meds: { eligible: false }, text: { eligible: false } });
    const run = (await vigil.getRun(id))!;
    expect(run.status).toBe('completed_partial');
    expect(run.summary).toBe('Discharge 50% complete; pharmacy awaiting pharmacist review; summary used its fallback');
    expect(run.steps.map((s) => s.status)).toEqual(['completed', 'escalated', 'degraded', 'completed']);
    expect(run.escalated).toBe(true);
    expect(run.escalations).toMatchObject([
      { step: 'pharmacy', kind: 'exhausted', assignee: 'pharmacist', blocking: false, status: 'open' },
    ]);
    expect(run.progress.summary).toContain('Pharmacy coordination pending pharmacist review.');
  });

  it('opens a breaker after consecutive failures, fails fast while open, and closes after one good probe', async () => {
    let down = true;
    const calls: number[] = [];
    const appointments = defineTool({
      name: 'appointments.book',
      input: Input,
      output: Cover,
      retry: { attempts: 1 },
      circuitBreaker: { failureThreshold: 3, cooldown: '30s' },
      onExhausted: 'skip',
      fallback: { eligible: false },
      run: () => {
        calls.push(h.clock.now());
        if (down) throw new Error('503 Service Unavailable');
        return { eligible: true };
      },
    });
    const wf = defineWorkflow({ name: 'breaker', input: Input }, async (ctx, input) => ctx.tool(appointments, input));
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const run = async (): Promise<unknown> => h.result(vigil, (await vigil.start(wf, { patientId: 'P' })).id);
    for (let i = 0; i < 3; i++) expect(await run()).toEqual({ eligible: false });
    expect(calls).toHaveLength(3);
    const [breaker] = await vigil.breakers.list();
    expect(breaker).toMatchObject({ key: 'appointments.book', status: 'open', consecutiveFailures: 3 });
    // Open: fails fast into its fallback without calling the tool.
    expect(await run()).toEqual({ eligible: false });
    expect(calls).toHaveLength(3);
    const failed = await vigil.getRun((await vigil.listRuns({ limit: 1 })).runs[0]!.id);
    expect(failed!.steps[0]!.failedAttempts[0]).toMatchObject({ outcome: 'rejected', error: { code: 'circuit_open' } });
    // After the cooldown one probe goes through; its success closes the breaker.
    await h.clock.advance(30_000);
    down = false;
    expect(await run()).toEqual({ eligible: true });
    expect(calls).toHaveLength(4);
    expect((await vigil.breakers.list())[0]).toMatchObject({ status: 'closed', consecutiveFailures: 0 });
  });

  it('never re-runs an at-most-once call blindly after a crash: verify decides, or the run escalates', async () => {
    const effects: string[] = [];
    const make = (name: string, verify?: boolean) =>
      defineTool({
        name,
        input: Input,
        output: Cover,
        effects: 'at-most-once',
        ...(verify ? { verify: async () => ({ happened: true as const, output: { eligible: true } }) } : {}),
        run: (input) => (effects.push(`${name}:${input.patientId}`), { eligible: true }),
      });
    const pay = make('payments.charge');
    const payVerified = make('payments.charge-verified', true);
    const wf = defineWorkflow({ name: 'at-most-once', input: Input }, async (ctx, input) =>
      ctx.tool(input.patientId === 'verified' ? payVerified : pay, input),
    );
    // Worker A dies right after the body ran, before its outcome committed.
    for (const patientId of ['plain', 'verified']) {
      const hold = gate();
      const frozen = new FakeClock(h.clock.now());
      const failpoints = new ArmedFailpoints().arm('step.after-body', () => hold.promise);
      const a = h.vigil([wf], { clock: frozen, failpoints, worker: { leaseTtlMs: 1000, pollMs: 100 } });
      const { id } = await a.start(wf, { patientId });
      await h.until(() => effects.length === (patientId === 'plain' ? 1 : 2));
      const b = h.vigil([wf], { worker: { leaseTtlMs: 1000, pollMs: 100 } });
      if (patientId === 'plain') {
        await h.until(async () => (await b.getRun(id))?.status === 'waiting');
        const [e] = (await b.escalations.list({ runId: id })).escalations;
        expect(e).toMatchObject({ kind: 'outcome_unknown', blocking: true });
        expect(e!.reason).toMatch(/no verify hook/);
        await b.escalations.resolve(e!.id, { decision: 'provide', value: { eligible: true } });
      }
      expect(await h.result(b, id)).toEqual({ eligible: true });
      await b.close();
      hold.open();
    }
    expect(effects).toEqual(['payments.charge:plain', 'payments.charge-verified:verified']);
  });
});

describe('policy validation', () => {
  const base = { name: 't', input: Input, output: Cover, run: () => ({ eligible: true }) };
  it('refuses invalid policies at definition time with the field named', () => {
    expect(() => defineTool({ ...base, retry: { attempts: -1 } })).toThrow(/retry\.attempts/);
    expect(() => defineTool({ ...base, retry: { initialDelay: '5s', maxDelay: '1s' } })).toThrow(/maxDelay/);
    expect(() => defineTool({ ...base, onExhausted: 'retry' as 'fail' })).toThrow(
      /onExhausted must be one of fail, skip, escalate/,
    );
    expect(() => defineTool({ ...base, effects: 'twice' as 'none' })).toThrow(/effects/);
    expect(() => defineTool({ ...base, timeout: '0ms' })).toThrow(/timeout/);
    expect(() => defineTool({ ...base, circuitBreaker: { failureThreshold: 0 } })).toThrow(/failureThreshold/);
    expect(() => defineTool({ ...base, retyr: {} } as typeof base)).toThrow(/unknown option retyr/);
  });
});
