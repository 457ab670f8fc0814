import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, gate, type Dialect } from '../../test/helpers/harness.js';
import { NO_BUDGET_SETTINGS } from '../core/budget.js';
import { InvalidArgumentError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { noFailpoints } from '../core/failpoints.js';
import { createVigil } from '../compose.js';
import { DEFAULT_PRICES } from '../core/pricing.js';
import { defineWorkflow } from '../core/workflow.js';
import { BudgetGate } from '../governance/budget-gate.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { RuntimeEvents } from './events.js';
import { Executor } from './executor.js';
import { Worker } from './worker.js';
import { ModelRegistry } from '../llm/model-registry.js';
import { redactionRules } from '../governance/audit-redaction.js';
import { trace } from '@opentelemetry/api';
import { DEFAULT_STEP_LOG_CAP } from './run-logs.js';
import { RunTracer } from './run-tracer.js';
import { WorkflowRegistry } from './workflow-registry.js';

const Input = z.object({ n: z.number() });
/** For executors built by hand: these workflows send no events. */
const noEvents = () => Promise.reject(new Error('no event client in this test'));

describe.each(DIALECTS)('Worker on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('executes at most `concurrency` runs at once', async () => {
    const release = gate();
    let running = 0;
    let peak = 0;
    const wf = defineWorkflow({ name: 'held', input: Input }, async (ctx) => {
      await ctx.step('hold', async () => {
        running++;
        peak = Math.max(peak, running);
        await release.promise;
        running--;
      });
      return 'ok';
    });
    const vigil = h.vigil([wf], { worker: { concurrency: 2, pollMs: 60_000 } });
    const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => vigil.start(wf, { n }).then((r) => r.id)));
    await h.until(() => running === 2);
    await h.clock.advance(1000);
    expect(peak).toBe(2);
    release.open();
    await Promise.all(ids.map((id) => vigil.result(id)));
    expect(peak).toBe(2);
  });

  it('starts runs created in its own process at once, and queues them when it is full', async () => {
    const release = gate();
    const wf = defineWorkflow({ name: 'direct', input: Input }, async (ctx) => {
      await ctx.step('hold', () => release.promise);
      return 'ok';
    });
    const vigil = h.vigil([wf], { worker: { concurrency: 1, pollMs: 60_000 } });
    await vigil.ready();
    const claims: number[] = [];
    vigil.events.on('run.claimed', ({ attempt }) => claims.push(attempt));
    const first = await vigil.start(wf, { n: 1 });
    const second = await vigil.start(wf, { n: 2 });
    expect(first.status).toBe('running');
    expect(second.status).toBe('queued');
    expect(claims).toEqual([1]);
    release.open();
    expect(await h.result(vigil, second.id)).toBe('ok');
    expect((await vigil.getRun(first.id))!.attempt).toBe(1);
  });

  it('keeps renewing the lease of a long step so no other worker takes the run', async () => {
    const release = gate();
    let bodies = 0;
    const wf = defineWorkflow({ name: 'long', input: Input }, async (ctx) => {
      await ctx.step('long', async () => {
        bodies++;
        await release.promise;
      });
      return 'ok';
    });
    const a = h.vigil([wf], { worker: { leaseTtlMs: 1000, pollMs: 100 } });
    const { id } = await a.start(wf, { n: 1 });
    await h.until(() => bodies === 1);
    const b = h.vigil([wf], { worker: { leaseTtlMs: 1000, pollMs: 100 } });
    const claimsByB: string[] = [];
    b.events.on('run.claimed', ({ runId }) => claimsByB.push(runId));
    // A's heartbeat (every 200 ms) renews against a real database while the fake clock runs:
    // advance a tenth of the lease at a time and, in real time, let a renewal land whenever less
    // than 600 ms of the lease is left, so it never lapses for want of a reply (B would take the run).
    for (let elapsed = 0; elapsed < 10_000; elapsed += 100) {
      await h.clock.advance(100);
      const deadline = Date.now() + 1_000;
      while (Date.now() < deadline) {
        const lease = (await a.store.runs.get(id))?.lease;
        if (lease && lease.expiresAt - h.clock.now() >= 600) break;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
    expect(bodies).toBe(1);
    expect(claimsByB).toEqual([]);
    expect(a.worker!.activeCount).toBe(1);
    release.open();
    expect(await h.result(a, id)).toBe('ok');
  });

  it('on stop, lets an in-flight step commit and hands the run back at once', async () => {
    const release = gate();
    const bodies: string[] = [];
    const wf = defineWorkflow({ name: 'drained', input: Input }, async (ctx) => {
      await ctx.step('first', async () => {
        bodies.push('first');
        await release.promise;
      });
      await ctx.step('second', () => bodies.push('second'));
      return 'ok';
    });
    const a = h.vigil([wf], { worker: { leaseTtlMs: 60_000, pollMs: 60_000, shutdownGraceMs: 30_000 } });
    const { id } = await a.start(wf, { n: 1 });
    await h.until(() => bodies.length === 1);
    const stopped = a.worker!.stop();
    release.open();
    await stopped;
    const handedBack = await a.getRun(id);
    expect(handedBack).toMatchObject({ status: 'queued' });
    expect(handedBack!.steps.map((s) => [s.name, s.status])).toEqual([['first', 'completed']]);

    // Another worker resumes it right away, well inside the 60 s lease TTL.
    const b = h.vigil([wf], { worker: { leaseTtlMs: 60_000, pollMs: 100 } });
    await h.until(async () => (await b.getRun(id))?.status === 'completed', { maxMs: 1000 });
    expect(bodies).toEqual(['first', 'second']);
  });

  it('hands back runs whose steps outlast the grace period, and refuses their late results', async () => {
    const release = gate();
    let bodies = 0;
    const wf = defineWorkflow({ name: 'stubborn', input: Input }, async (ctx) => {
      await ctx.step('stuck', async ({ attempt }) => {
        bodies++;
        if (attempt === 1) await release.promise;
        return attempt;
      });
      return 'ok';
    });
    const a = h.vigil([wf], { worker: { leaseTtlMs: 60_000, pollMs: 60_000, shutdownGraceMs: 5000 } });
    const { id } = await a.start(wf, { n: 1 });
    await h.until(() => bodies === 1);
    const stopped = a.worker!.stop();
    await h.clock.advance(5000);
    await stopped;
    expect((await a.getRun(id))!.status).toBe('queued');

    const b = h.vigil([wf], { worker: { pollMs: 100 } });
    expect(await h.result(b, id)).toBe('ok');
    release.open();
    await h.clock.advance(100);
    const run = await b.getRun(id);
    expect(run!.steps[0]).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('claims only runs of workflow versions it has', async () => {
    const v1 = defineWorkflow({ name: 'versioned', version: 1, input: Input }, () => Promise.resolve('v1'));
    const v2 = defineWorkflow({ name: 'versioned', version: 2, input: Input }, () => Promise.resolve('v2'));
    const client = h.vigil([v1, v2]);
    const { id: old } = await client.start(v1, { n: 1 });
    const { id: latest } = await client.start('versioned', { n: 1 });
    const onlyV2 = h.vigil([v2], { worker: { pollMs: 100 } });
    expect(await h.result(onlyV2, latest)).toBe('v2');
    await h.clock.advance(1000);
    expect((await onlyV2.getRun(old))!.status).toBe('queued');
  });

  it('reports a run completed when a heartbeat finds its lease already released by the finish', async () => {
    // The finish commits (releasing the lease), then a heartbeat's renewal sees the lease gone
    // before the finish's promise returns to the execution: a stale report that must not win.
    const store = h.store();
    const finish = store.queue.finish.bind(store.queue);
    const renew = store.queue.renew.bind(store.queue);
    const staleRenewal = gate();
    store.queue.finish = async (...args) => {
      await finish(...args);
      await staleRenewal.promise;
    };
    store.queue.renew = async (...args) => {
      const lost = await renew(...args);
      if (lost.length > 0) staleRenewal.open();
      return lost;
    };
    const wf = defineWorkflow({ name: 'raced', input: Input }, async (ctx) => ctx.step('only', () => 'done'));
    const vigil = createVigil({ database: store, workflows: [wf], worker: { leaseTtlMs: 1000, pollMs: 60_000 } });
    const events: string[] = [];
    vigil.events.on('run.completed', () => events.push('completed'));
    vigil.events.on('lease.lost', () => events.push('lease.lost'));
    const { id } = await vigil.start(wf, { n: 1 });
    await h.until(() => events.length > 0, { maxMs: 5000 });
    expect(events).toEqual(['completed']);
    expect((await vigil.getRun(id))!.status).toBe('completed');
    await vigil.close();
  });

  it('reports a failed claim and tries again', async () => {
    const store = h.store();
    await store.migrate();
    const claim = store.queue.claim.bind(store.queue);
    let failures = 1;
    store.queue.claim = (request) => (failures-- > 0 ? Promise.reject(new Error('disk I/O error')) : claim(request));
    const wf = defineWorkflow({ name: 'after-failure', input: Input }, () => Promise.resolve('ok'));
    const registry = new WorkflowRegistry([wf]);
    const events = new RuntimeEvents();
    const errors: string[] = [];
    events.on('worker.error', ({ error }) => errors.push(error.message));
    const deps = { store, clock: h.clock, events, failpoints: noFailpoints, logger: silentLogger };
    const executor = new Executor(
      {
        ...deps,
        leaseTtlMs: 10_000,
        maxPayloadBytes: 1024,
        sendEvent: noEvents,
        budgets: new BudgetGate(store.spend, NO_BUDGET_SETTINGS),
        prices: DEFAULT_PRICES,
        models: new ModelRegistry({}, {}),
        ...NO_OBSERVABILITY,
      },
      registry,
    );
    const worker = new Worker({ ...deps, executor, workflows: registry.keys() }, { pollMs: 100 });
    const client = h.vigil([wf]);
    const { id } = await client.start(wf, { n: 1 });
    worker.start();
    await h.until(async () => (await client.getRun(id))?.status === 'completed');
    expect(errors).toEqual(['disk I/O error']);
    await worker.stop();
    await store.close();
  });

  it('refuses nonsensical options', () => {
    const store = new SqliteStore({ path: ':memory:' });
    const registry = new WorkflowRegistry();
    const deps = { store, events: new RuntimeEvents(), failpoints: noFailpoints, logger: silentLogger, workflows: [] };
    const executor = new Executor(
      {
        ...deps,
        clock: store.clock,
        leaseTtlMs: 1,
        maxPayloadBytes: 1,
        sendEvent: noEvents,
        budgets: new BudgetGate(store.spend, NO_BUDGET_SETTINGS),
        prices: DEFAULT_PRICES,
        models: new ModelRegistry({}, {}),
        ...NO_OBSERVABILITY,
      },
      registry,
    );
    expect(() => new Worker({ ...deps, executor }, { leaseTtlMs: 1000, heartbeatMs: 1000 })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new Worker({ ...deps, executor }, { concurrency: 0 })).toThrow(/concurrency/);
    expect(new Worker({ ...deps, executor }, { leaseTtlMs: 500 })).toBeInstanceOf(Worker);
  });
});

/** Spans to the API's tracer (no SDK: no-op), lines not stored. */
const NO_OBSERVABILITY = {
  tracer: new RunTracer(trace.getTracerProvider(), true),
  runLogs: { writer: undefined, rules: redactionRules(), cap: DEFAULT_STEP_LOG_CAP },
};
