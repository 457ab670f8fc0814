import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, gate, type Dialect } from '../../test/helpers/harness.js';
import { httpApp } from '../../test/helpers/http-app.js';
import { Cover, Input, NO_JITTER } from '../../test/fixtures/tools.js';
import { utcDay } from '../core/budget.js';
import { defineTool } from '../core/tool.js';
import { defineWorkflow } from '../core/workflow.js';
import { FakeClock } from '../testing/fake-clock.js';
import type { RuntimeEventMap } from './events.js';
import { ArmedFailpoints } from './failpoints.js';

/** A tool costing `cost` per call; every call that reached it is in `calls` (its effects, counted outside our records). */
function labTool(cost: number, options: Record<string, unknown> = {}) {
  const calls: string[] = [];
  const tool = defineTool({
    name: 'lab.order',
    input: Input,
    output: Cover,
    cost,
    retry: { attempts: 1 },
    ...options,
    run: (input) => (calls.push(input.patientId), { eligible: true }),
  });
  return { tool, calls };
}

function record<K extends keyof RuntimeEventMap>(
  vigil: { events: { on: (k: K, l: (p: RuntimeEventMap[K]) => void) => void } },
  name: K,
) {
  const seen: Array<RuntimeEventMap[K]> = [];
  vigil.events.on(name, (payload) => seen.push(payload));
  return seen;
}

describe.each(DIALECTS)('budgets on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('holds a run that reaches its budget until an operator raises it over HTTP and retries', async () => {
    const { tool, calls } = labTool(0.2);
    const wf = defineWorkflow(
      { name: 'labs', input: Input, budget: { usd: 0.5, perStepUsd: 0.25 } },
      async (ctx, input) => {
        for (const name of ['cbc', 'panel', 'culture']) await ctx.tool(tool, input, { name });
        return 'done';
      },
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    const exceeded = record(vigil, 'budget.exceeded');
    const spendRecorded = record(vigil, 'spend.recorded');
    const changed = record(vigil, 'budget.changed');
    const request = httpApp(vigil);
    const { id } = await vigil.start(wf, { patientId: 'P-1' });

    await h.until(async () => (await vigil.getRun(id))?.status === 'waiting');
    const [escalation] = (await vigil.escalations.list({ runId: id })).escalations;
    expect(escalation).toMatchObject({ kind: 'budget', step: 'culture', blocking: true, assignee: null });
    expect(escalation!.reason).toMatch(
      /The run budget of .* is \$0\.50: \$0\.40 is spent or reserved, and this call needs \$0\.20/,
    );
    expect(exceeded).toEqual([
      { scope: 'run', key: id, limitUsd: 0.5, spentUsd: 0.4, requestedUsd: 0.2, runId: id, seq: 3, step: 'culture' },
    ]);
    expect(calls).toHaveLength(2);

    const raised = await request('PUT', '/v1/budgets', { scope: 'run', key: id, usd: 1 });
    expect(raised).toMatchObject({
      status: 200,
      body: { scope: 'run', key: id, raisedUsd: 1, limitUsd: 1, spentUsd: 0.4 },
    });
    // The operator's key is recorded as who raised it.
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ scope: 'run', key: id, usd: 1 });
    expect(changed[0]!.principal).toMatch(/^key:[0-9a-f]{12}$/);
    await vigil.escalations.resolve(escalation!.id, { decision: 'retry' });
    expect(await h.result(vigil, id)).toBe('done');

    expect(calls).toHaveLength(3);
    const run = (await vigil.getRun(id))!;
    expect(run.costUsd).toBeCloseTo(0.6, 9);
    expect(run.steps.map((s) => [s.name, s.costUsd])).toEqual([
      ['cbc', 0.2],
      ['panel', 0.2],
      ['culture', 0.2],
    ]);
    expect(spendRecorded.map((e) => [e.step, e.kind, e.target, e.usd])).toEqual([
      ['cbc', 'tool', 'lab.order', 0.2],
      ['panel', 'tool', 'lab.order', 0.2],
      ['culture', 'tool', 'lab.order', 0.2],
    ]);
    const spend = await request('GET', '/v1/spend?by=model');
    expect(spend.body).toMatchObject({ by: 'model', groups: [{ group: 'lab.order', calls: 3 }], total: { calls: 3 } });
    const budgets = await request<{ limits: Array<Record<string, unknown>> }>('GET', '/v1/budgets');
    expect(budgets.body.limits).toContainEqual(
      expect.objectContaining({ scope: 'run', key: id, declaredUsd: null, raisedUsd: 1, limitUsd: 1, reservedUsd: 0 }),
    );
    expect(budgets.body).toMatchObject({
      workflows: [{ workflow: 'labs', usd: 0.5, perStepUsd: 0.25, onExceeded: 'escalate' }],
    });
  });

  it("fails the step with BudgetExceededError under onExceeded: 'fail', without calling the tool", async () => {
    const { tool, calls } = labTool(0.1);
    const wf = defineWorkflow(
      { name: 'labs-strict', input: Input, budget: { perStepUsd: 0.05, onExceeded: 'fail' } },
      async (ctx, input) => ctx.tool(tool, input),
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    const { id } = await vigil.start(wf, { patientId: 'P-2' });
    await expect(h.result(vigil, id)).rejects.toThrow(/step budget .* is \$0\.05/);
    const run = (await vigil.getRun(id))!;
    expect(run.steps[0]).toMatchObject({ status: 'failed', attempts: 0, costUsd: null });
    expect(run.steps[0]!.error).toMatchObject({ code: 'budget_exceeded', retryable: false });
    expect(run.escalations).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('settles what a tool reports, a failed attempt at its estimate unless it says otherwise, and warns once at the soft limit', async () => {
    let script = ['fail-silent', 'fail-free', 'ok-cheap'];
    const tool = defineTool({
      name: 'transcribe',
      input: Input,
      output: Cover,
      cost: (input) => (input.patientId === 'P-big' ? 0.3 : 0.1),
      retry: { attempts: 3, initialDelay: '1s', ...NO_JITTER },
      run: (_input, { reportCost }) => {
        const next = script.shift() ?? 'ok-cheap';
        if (next === 'fail-silent') throw new Error('upstream 500');
        if (next === 'fail-free') {
          reportCost(0);
          throw new Error('rejected before work');
        }
        reportCost(0.02);
        return { eligible: true };
      },
    });
    const wf = defineWorkflow({ name: 'notes', input: Input, budget: { usd: 1, softAt: 0.1 } }, async (ctx, input) =>
      ctx.tool(tool, input),
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    const soft = record(vigil, 'budget.soft_limit');
    const { id } = await vigil.start(wf, { patientId: 'P-3' });
    await h.result(vigil, id);
    // 0.1 (failed, nothing reported) + 0 (failed, reported free) + 0.02 (reported).
    expect((await vigil.getRun(id))!.costUsd).toBeCloseTo(0.12, 9);
    expect(soft).toEqual([{ scope: 'run', key: id, limitUsd: 1, spentUsd: 0.1, runId: id }]);
    script = [];
    const big = await vigil.start(wf, { patientId: 'P-big' });
    await h.result(vigil, big.id);
    expect((await vigil.getRun(big.id))!.costUsd).toBeCloseTo(0.02, 9);
    expect(soft).toHaveLength(1);
  });

  it('reuses the reservation of an attempt whose worker died before it started, counting it once', async () => {
    const { tool, calls } = labTool(0.2);
    const wf = defineWorkflow({ name: 'labs-crash', input: Input, budget: { usd: 0.3 } }, async (ctx, input) =>
      ctx.tool(tool, input),
    );
    // Worker A dies between reserving and committing the step's start.
    const hold = gate();
    const frozen = new FakeClock(h.clock.now());
    const failpoints = new ArmedFailpoints().arm('budget.after-reserve', () => hold.promise);
    const a = h.vigil([wf], { clock: frozen, failpoints, worker: { leaseTtlMs: 1000, pollMs: 100 } });
    const { id } = await a.start(wf, { patientId: 'P-4' });
    await h.until(async () => (await h.sql('SELECT 1 FROM spend_ledger')).length === 1);
    // The same attempt on worker B: 0.2 more would not fit in 0.3, so only reuse lets it run.
    const b = h.vigil([wf], { worker: { leaseTtlMs: 1000, pollMs: 100 } });
    expect(await h.result(b, id)).toEqual({ eligible: true });
    hold.open();
    expect(calls).toEqual(['P-4']);
    expect(await h.sql('SELECT attempt, state FROM spend_ledger WHERE run_id = $1', [id])).toEqual([
      { attempt: 1, state: 'settled' },
    ]);
    const [counter] = await b.store.spend.counters([{ scope: 'run', key: id, period: '' }]);
    expect(counter).toMatchObject({ settledUsd: 0.2, reservedUsd: 0 });
  });

  it('settles an attempt interrupted after it ran at its estimate, since the call may have happened', async () => {
    const { tool, calls } = labTool(0.1);
    const wf = defineWorkflow({ name: 'labs-died', input: Input, budget: { usd: 1 } }, async (ctx, input) =>
      ctx.tool(tool, input),
    );
    const hold = gate();
    const frozen = new FakeClock(h.clock.now());
    const failpoints = new ArmedFailpoints().arm('step.after-body', () => hold.promise);
    const a = h.vigil([wf], { clock: frozen, failpoints, worker: { leaseTtlMs: 1000, pollMs: 100 } });
    const { id } = await a.start(wf, { patientId: 'P-5' });
    await h.until(() => calls.length === 1);
    const b = h.vigil([wf], { worker: { leaseTtlMs: 1000, pollMs: 100 } });
    await h.result(b, id);
    hold.open();
    expect(calls).toHaveLength(2);
    expect((await b.getRun(id))!.costUsd).toBeCloseTo(0.2, 9);
  });

  it('never lets 50 parallel runs on two workers spend past their shared agent budget; the refused runs escalate', async () => {
    const { tool, calls } = labTool(0.01);
    const options = { input: Input, agent: 'intake' } as const;
    const admit = defineWorkflow({ name: 'intake.admit', ...options }, async (ctx, input) => ctx.tool(tool, input));
    const triage = defineWorkflow({ name: 'intake.triage', ...options }, async (ctx, input) => ctx.tool(tool, input));
    const budgets = { agents: { intake: { perDayUsd: 0.2 } }, globalPerDayUsd: 100 };
    const worker = { pollMs: 100, concurrency: 16 };
    const a = h.vigil([admit, triage], { budgets, worker });
    const b = h.vigil([admit, triage], { budgets, worker });
    const ids = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).start(i % 2 ? admit : triage, { patientId: `P-${i}` })),
    );
    const statuses = async () => Promise.all(ids.map(async ({ id }) => (await a.getRun(id))!.status));
    await h.until(async () => (await statuses()).every((s) => s === 'completed' || s === 'waiting'), {
      maxMs: 120_000,
    });
    const final = await statuses();
    expect(final.filter((s) => s === 'completed')).toHaveLength(20);
    expect(final.filter((s) => s === 'waiting')).toHaveLength(30);
    expect(calls).toHaveLength(20);
    const open = (await a.escalations.list({ limit: 100 })).escalations;
    expect(open).toHaveLength(30);
    expect(open.every((e) => e.kind === 'budget')).toBe(true);
    const today = utcDay(h.clock.now());
    const [agent] = await a.store.spend.counters([{ scope: 'agent', key: 'intake', period: today }]);
    expect(agent).toMatchObject({ settledUsd: 0.2, reservedUsd: 0 });
    const byWorkflow = await a.budgets.spend({ by: 'agent' });
    expect(byWorkflow.groups).toEqual([expect.objectContaining({ group: 'intake', usd: 0.2, calls: 20 })]);
  });
});

describe('budget HTTP routes', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness('sqlite');
  });
  afterEach(() => h.cleanup());

  it('refuses bad limits and queries with the field named, writing nothing', async () => {
    const wf = defineWorkflow({ name: 'noop', input: z.object({}) }, () => Promise.resolve(1));
    const vigil = h.vigil([wf], { budgets: { globalPerDayUsd: 10, agents: { noop: { perDayUsd: 1 } } } });
    const request = httpApp(vigil);
    const bad = async (method: 'GET' | 'PUT', path: string, body?: unknown) => {
      const answer = await request(method, path, body);
      return [answer.status, answer.body.error?.code, answer.body.error?.path];
    };
    expect(await bad('PUT', '/v1/budgets', { scope: 'team', key: 'x', usd: 1 })).toEqual([
      400,
      'invalid_request',
      'scope',
    ]);
    expect(await bad('PUT', '/v1/budgets', { scope: 'run', key: 'x', usd: -1 })).toEqual([
      400,
      'invalid_request',
      'usd',
    ]);
    expect(await bad('PUT', '/v1/budgets', { scope: 'run', key: 'not-a-run', usd: 1 })).toEqual([
      400,
      'invalid_argument',
      'key',
    ]);
    expect(
      await bad('PUT', '/v1/budgets', { scope: 'run', key: '00000000-0000-7000-8000-000000000001', usd: 1 }),
    ).toEqual([404, 'run_not_found', 'key']);
    expect(
      await bad('PUT', '/v1/budgets', { scope: 'step', key: '00000000-0000-7000-8000-000000000001', usd: 1 }),
    ).toEqual([400, 'invalid_argument', 'key']);
    expect(await bad('PUT', '/v1/budgets', { scope: 'global', key: 'mine', usd: 1 })).toEqual([
      400,
      'invalid_argument',
      'key',
    ]);
    expect(await bad('GET', '/v1/spend?by=color')).toEqual([400, 'invalid_request', 'by']);
    expect(await bad('GET', '/v1/spend?since=yesterday')).toEqual([400, 'invalid_request', 'since']);
    expect(await vigil.store.spend.listLimits()).toEqual([]);

    const set = await request('PUT', '/v1/budgets', { scope: 'global', usd: 25 });
    expect(set.body).toMatchObject({ scope: 'global', key: 'global', declaredUsd: 10, raisedUsd: 25, limitUsd: 25 });
    const agent = await request('PUT', '/v1/budgets', { scope: 'agent', key: 'noop', usd: null });
    expect(agent.body).toMatchObject({ scope: 'agent', key: 'noop', declaredUsd: 1, raisedUsd: null, limitUsd: 1 });
    const { body } = await request<{ limits: unknown[] }>('GET', '/v1/budgets');
    expect(body.limits).toEqual([
      expect.objectContaining({ scope: 'global', key: 'global', limitUsd: 25, spentUsd: 0 }),
      expect.objectContaining({ scope: 'agent', key: 'noop', limitUsd: 1 }),
    ]);
  });

  it('refuses a tool cost that is not USD, at definition and at the call', async () => {
    const base = { name: 't', input: Input, output: Cover, run: () => ({ eligible: true }) };
    expect(() => defineTool({ ...base, cost: -1 })).toThrow(/cost must be USD per call/);
    expect(() => defineTool({ ...base, cost: Number.NaN })).toThrow(/cost must be USD per call/);
    const tool = defineTool({ ...base, cost: () => Number.POSITIVE_INFINITY, retry: { attempts: 1 } });
    const wf = defineWorkflow({ name: 'bad-cost', input: Input }, async (ctx, input) => ctx.tool(tool, input));
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    const { id } = await vigil.start(wf, { patientId: 'P-9' });
    await expect(h.result(vigil, id)).rejects.toThrow(/cost\(\) must return USD/);
    expect(() => defineWorkflow({ name: 'w', input: Input, budget: { usd: -2 } }, async () => 1)).toThrow(
      /budget\.usd/,
    );
    expect(() => defineWorkflow({ name: 'w', input: Input, budget: { softAt: 2 } }, async () => 1)).toThrow(/softAt/);
    expect(() =>
      defineWorkflow({ name: 'w', input: Input, budget: { onExceeded: 'pray' as 'fail' } }, async () => 1),
    ).toThrow(/onExceeded/);
    expect(() => h.vigil([], { budgets: { agents: { x: { perDayUsd: -1 } } } })).toThrow(/perDayUsd/);
  });
});
