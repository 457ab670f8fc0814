/**
 * `GET /metrics` over real HTTP, parsed by a real Prometheus text-format parser, after runs that
 * complete, retry, fail into the dead-letter queue, escalate, are denied by policy, are
 * cancelled, and call the scripted model.
 */
import { register as globalRegistry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../../test/helpers/harness.js';
import { parseScrape, type Scrape } from '../../../test/helpers/scrape.js';
import { defineTool } from '../../core/tool.js';
import { defineWorkflow } from '../../core/workflow.js';
import { scriptedModel } from '../../llm/scripted-model.js';
import { serveApi, type ServedApi } from '../../testing/serve-api.js';

const Empty = z.object({});
const Ok = z.object({ ok: z.boolean() });

const lookup = defineTool({ name: 'm.lookup', input: Empty, output: Ok, run: () => ({ ok: true }) });
const flaky = defineTool({
  name: 'm.flaky',
  input: Empty,
  output: Ok,
  retry: { attempts: 3, initialDelay: '1s', jitter: 'none' },
  run: (_input, { attempt }) => {
    if (attempt === 1) throw new Error('503 from the flaky service');
    return { ok: true };
  },
});
const broken = defineTool({
  name: 'm.broken',
  input: Empty,
  output: Ok,
  retry: { attempts: 1 },
  circuitBreaker: { failureThreshold: 1, cooldown: '1h' },
  run: () => {
    throw new Error('the service is down');
  },
});
const pharmacy = defineTool({
  name: 'm.pharmacy',
  input: Empty,
  output: Ok,
  retry: { attempts: 1 },
  onExhausted: 'escalate',
  blocking: false,
  fallback: { ok: false },
  run: () => {
    throw new Error('pharmacy offline');
  },
});
const hold = defineTool({
  name: 'm.hold',
  input: Empty,
  output: Ok,
  retry: { attempts: 1 },
  onExhausted: 'escalate',
  run: () => {
    throw new Error('needs a pharmacist');
  },
});

const wf = (name: string, body: Parameters<typeof defineWorkflow>[1], extra: { policy?: { tools: string[] } } = {}) =>
  defineWorkflow({ name, input: Empty, ...extra }, body);
const workflows = {
  ok: wf('m.ok', async (ctx) => {
    await ctx.tool(lookup, {});
    await ctx.step('plain', () => 1);
    return ctx.llm({ prompt: 'Summarise the discharge.' });
  }),
  flaky: wf('m.flaky', async (ctx) => ctx.tool(flaky, {})),
  broken: wf('m.broken', async (ctx) => ctx.tool(broken, {})),
  // Its step has a name of its own: the tool call is still counted under the tool's.
  partial: wf('m.partial', async (ctx) => ctx.tool(pharmacy, {}, { name: 'pharmacy' })),
  blocked: wf('m.blocked', async (ctx) => ctx.tool(hold, {})),
  denied: wf('m.denied', async (ctx) => ctx.tool(lookup, {}), { policy: { tools: ['m.flaky'] } }),
  sleepy: wf('m.sleepy', async (ctx) => ctx.sleep('nap', '1h')),
};
/** Registered only by an instance without a worker: its run waits, and the queue lags. */
const orphan = wf('m.orphan', async (ctx) => ctx.step('never', () => 1));

const USAGE = { input: 1000, output: 500, cached: 200, reasoning: 100 };

describe.each(DIALECTS)('GET /metrics on %s', (dialect: Dialect) => {
  let h: Harness;
  let api: ServedApi | undefined;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
    await h.cleanup();
  });

  async function scrape(key: string | null = api!.apiKey): Promise<Scrape> {
    const res = await fetch(`${api!.url}/metrics`, key === null ? {} : { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    return parseScrape(await res.text());
  }

  const status = async (vigil: ReturnType<Harness['vigil']>, id: string) => (await vigil.getRun(id))?.status;

  it('counts runs, steps, retries, tool calls, spend and tokens, and reads the deployment gauges from the store', async () => {
    const model = scriptedModel({ modelId: 'metrics-model', script: [{ text: 'Stable.', usage: USAGE }] });
    const vigil = h.vigil(Object.values(workflows), {
      worker: { pollMs: 100 },
      llm: { models: { default: model } },
      pricing: { 'metrics-model': { input: 10, output: 20, cached: 1 } },
    });
    const other = h.vigil([orphan]);
    api = await serveApi(vigil);

    // Waits for the events, not only the rows: a run's row is committed a moment before its
    // worker emits what the counters count.
    let ended = 0;
    for (const event of ['run.completed', 'run.dead_lettered'] as const) vigil.events.on(event, () => ended++);
    const ids: Record<string, string> = {};
    for (const [key, workflow] of Object.entries(workflows)) ids[key] = (await vigil.start(workflow, {})).id;
    const { id: orphanId } = await other.start(orphan, {});
    await h.until(
      async () =>
        ended === 5 &&
        (await status(vigil, ids['blocked']!)) === 'waiting' &&
        (await status(vigil, ids['sleepy']!)) === 'sleeping',
    );
    await vigil.cancel(ids['sleepy']!);
    const m = await scrape();

    // Every family is a valid, prefixed name; counters end in _total.
    expect(m.families.length).toBeGreaterThan(20);
    for (const family of m.families) {
      expect(family.name).toMatch(/^vigil_[a-zA-Z0-9_:]*$/);
      if (family.type === 'COUNTER') expect(family.name).toMatch(/_total$/);
    }
    const typeOf = (name: string) => m.families.find((f) => f.name === name)?.type;
    expect(typeOf('vigil_runs_started_total')).toBe('COUNTER');
    expect(typeOf('vigil_step_duration_seconds')).toBe('HISTOGRAM');
    expect(typeOf('vigil_run_duration_seconds')).toBe('HISTOGRAM');
    expect(typeOf('vigil_escalations_open')).toBe('GAUGE');
    // Process metrics, prefixed (CPU counts from the first scrape, as prom-client counts from registration).
    expect(m.value('vigil_process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(m.value('vigil_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.value('vigil_nodejs_heap_size_total_bytes')).toBeGreaterThan(0);

    // Runs this process started and finished; the other instance's run is not this process's.
    for (const workflow of Object.values(workflows)) {
      expect(m.value('vigil_runs_started_total', { workflow: workflow.name }), workflow.name).toBe(1);
    }
    expect(m.samples('vigil_runs_started_total').map((s) => s.labels['workflow'])).not.toContain('m.orphan');
    const finished = Object.fromEntries(
      m.samples('vigil_runs_finished_total').map((s) => [`${s.labels['workflow']} ${s.labels['status']}`, s.value]),
    );
    expect(finished).toEqual({
      'm.ok completed': 1,
      'm.flaky completed': 1,
      'm.broken dead_lettered': 1,
      'm.partial completed_partial': 1,
      'm.denied dead_lettered': 1,
      'm.sleepy cancelled': 1,
    });
    const runCount = m.value('vigil_run_duration_seconds_count', { workflow: 'm.flaky', status: 'completed' });
    expect(runCount).toBe(1);
    // The retry waited a second: the run took at least that, and is in no bucket below it.
    expect(
      m.value('vigil_run_duration_seconds_sum', { workflow: 'm.flaky', status: 'completed' }),
    ).toBeGreaterThanOrEqual(1);
    expect(m.value('vigil_run_duration_seconds_bucket', { workflow: 'm.flaky', status: 'completed', le: '0.5' })).toBe(
      0,
    );
    expect(m.value('vigil_run_duration_seconds_bucket', { workflow: 'm.flaky', status: 'completed', le: '+Inf' })).toBe(
      1,
    );

    // Steps by kind and final status, and the retry.
    for (const kind of ['tool', 'step', 'llm']) {
      expect(m.value('vigil_step_duration_seconds_count', { workflow: 'm.ok', kind, status: 'completed' }), kind).toBe(
        1,
      );
    }
    const flaky = { workflow: 'm.flaky', kind: 'tool', status: 'completed' };
    expect(m.value('vigil_step_duration_seconds_sum', flaky)).toBeGreaterThanOrEqual(1);
    expect(m.value('vigil_step_duration_seconds_bucket', { ...flaky, le: '0.5' })).toBe(0);
    // Failed steps count too, under their own status: the broken tool's, and the denied call's.
    expect(m.value('vigil_step_duration_seconds_count', { workflow: 'm.broken', kind: 'tool', status: 'failed' })).toBe(
      1,
    );
    expect(m.value('vigil_step_duration_seconds_count', { workflow: 'm.denied', kind: 'tool', status: 'failed' })).toBe(
      1,
    );
    expect(
      m.value('vigil_step_duration_seconds_count', { workflow: 'm.partial', kind: 'tool', status: 'escalated' }),
    ).toBe(1);
    const statuses = new Set(m.samples('vigil_step_duration_seconds_count').map((s) => s.labels['status']));
    expect([...statuses].sort()).toEqual(['completed', 'escalated', 'failed']);
    expect(m.samples('vigil_step_retries_total')).toEqual([
      { labels: { workflow: 'm.flaky', kind: 'tool' }, value: 1 },
    ]);

    // Tool calls by outcome; the blocked call has none yet.
    const calls = Object.fromEntries(
      m.samples('vigil_tool_calls_total').map((s) => [`${s.labels['tool']} ${s.labels['outcome']}`, s.value]),
    );
    expect(calls).toEqual({
      'm.lookup completed': 1,
      'm.lookup denied': 1,
      'm.flaky completed': 1,
      'm.broken failed': 1,
      'm.pharmacy escalated': 1,
    });

    // Spend and tokens of the LLM call, as the run's cost says.
    const cost = (await vigil.getRun(ids['ok']!))!.costUsd;
    expect(cost).toBeGreaterThan(0);
    expect(m.value('vigil_spend_usd_total', { workflow: 'm.ok', kind: 'llm', target: 'metrics-model' })).toBeCloseTo(
      cost,
      9,
    );
    for (const [type, count] of Object.entries(USAGE)) {
      expect(m.value('vigil_llm_tokens_total', { model: 'metrics-model', type }), type).toBe(count);
    }

    // The deployment's gauges, from the store: the orphan run of the other instance counts here.
    expect(m.value('vigil_escalations_open')).toBe(2);
    expect(m.value('vigil_dead_letters')).toBe(2);
    expect(m.value('vigil_breaker_state', { key: 'm.broken' })).toBe(2);
    const orphanRun = (await other.getRun(orphanId))!;
    expect(orphanRun.status).toBe('queued');
    expect(m.value('vigil_queue_lag_seconds')).toBe((h.clock.now() - Date.parse(orphanRun.createdAt)) / 1000);

    // Resolving and replaying move the gauges; nothing went to prom-client's global registry.
    const [blocking] = (await vigil.escalations.list({ runId: ids['blocked']! })).escalations;
    await vigil.escalations.resolve(blocking!.id, { decision: 'provide', value: { ok: true } });
    const [letter] = (await vigil.deadLetters.list({ workflow: 'm.denied' })).deadLetters;
    await vigil.deadLetters.replay(letter!.id);
    const after = await scrape();
    expect(after.value('vigil_escalations_open')).toBe(1);
    expect(after.value('vigil_dead_letters')).toBe(1);
    expect(await globalRegistry.metrics()).not.toContain('vigil_');
  });

  it('needs a key with read unless the metrics are public, and answers 503 store_unavailable when the store does not', async () => {
    const closed = h.vigil([]);
    api = await serveApi(closed);
    const res = await fetch(`${api.url}/metrics`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('api_key_missing');
    await api.close();

    const open = h.vigil([], { metrics: { public: true } });
    api = await serveApi(open);
    const m = await scrape(null);
    expect(m.value('vigil_escalations_open')).toBe(0);
    expect(m.value('vigil_queue_lag_seconds')).toBe(0);
    expect(m.samples('vigil_breaker_state')).toEqual([]);

    await open.store.close();
    const failed = await fetch(`${api.url}/metrics`);
    expect(failed.status).toBe(503);
    expect(await failed.json()).toMatchObject({ error: { code: 'store_unavailable', path: null } });
  });

  it('answers 503 store_unavailable to a caller with a key when the store is down, not 500', async () => {
    const vigil = h.vigil([]);
    api = await serveApi(vigil);
    await scrape();
    await vigil.store.close();
    // The key itself cannot be checked without the store: that too is the store being down.
    const res = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${api.apiKey}` } });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'store_unavailable', path: null } });
  });
});
