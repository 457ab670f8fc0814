/**
 * The API the dashboard needs of runs, over real HTTP on both dialects: list filters, replay
 * (from the top and from a step, with its refusals and audit entry) and the overview.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, gate, type Dialect } from '../../../test/helpers/harness.js';
import { NonRetryableError } from '../../core/errors.js';
import { defineWorkflow } from '../../core/workflow.js';
import type { OverviewView } from '../../runtime/overview-client.js';
import { serveApi, type ServedApi } from '../../testing/serve-api.js';

const Input = z.object({ patient: z.string(), n: z.number() });
const MISSING = '00000000-0000-7000-8000-000000000999';

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; path: string | null } };
}

async function call(api: ServedApi, method: string, path: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${api.apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const ids = (answer: Answer) => (answer.body['runs'] as Array<{ id: string }>).map((r) => r.id);

describe.each(DIALECTS)('runs for the dashboard on %s', (dialect: Dialect) => {
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

  /** Three steps; every execution of a step body is written to `ledger`, outside Vigil's records. */
  function threeSteps(ledger: string[], hold?: Promise<void>) {
    return defineWorkflow({ name: 'dash.three', input: Input }, async (ctx, input) => {
      const a = await ctx.step('a', () => (ledger.push('a'), input.n + 1));
      const b = await ctx.step('b', async () => (ledger.push('b'), await hold, a * 2));
      const c = await ctx.step('c', () => (ledger.push('c'), b + 1));
      return { a, b, c };
    });
  }

  it('filters the run list by several statuses, workflow, creation time and a search of id and input', async () => {
    const ledger: string[] = [];
    const wf = threeSteps(ledger);
    const other = defineWorkflow({ name: 'dash.other', input: Input }, (ctx) => ctx.step('x', () => 1));
    const vigil = h.vigil([wf, other]);
    api = await serveApi(vigil);
    const t0 = h.clock.now();
    const ada = await vigil.start(wf, { patient: 'Ada Lovelace', n: 1 });
    await h.clock.advance(3_600_000);
    const grace = await vigil.start(other, { patient: 'Grace Hopper', n: 2 });
    await vigil.cancel(grace.id);
    // Ids made in the same millisecond do not sort by creation.
    await h.clock.advance(1);
    const alan = await vigil.start(wf, { patient: 'Alan Turing', n: 3 });

    expect(ids(await call(api, 'GET', '/v1/runs?status=queued,cancelled'))).toEqual([alan.id, grace.id, ada.id]);
    expect(ids(await call(api, 'GET', '/v1/runs?status=cancelled'))).toEqual([grace.id]);
    expect(ids(await call(api, 'GET', '/v1/runs?workflow=dash.three'))).toEqual([alan.id, ada.id]);
    const from = new Date(t0 + 1).toISOString();
    expect(ids(await call(api, 'GET', `/v1/runs?from=${from}`))).toEqual([alan.id, grace.id]);
    expect(ids(await call(api, 'GET', `/v1/runs?to=${from}`))).toEqual([ada.id]);
    expect(ids(await call(api, 'GET', '/v1/runs?q=lovelace'))).toEqual([ada.id]);
    expect(ids(await call(api, 'GET', `/v1/runs?q=${grace.id.slice(0, 30)}`))).toContain(grace.id);
    expect(ids(await call(api, 'GET', `/v1/runs?q=${alan.id}&status=queued`))).toEqual([alan.id]);
    const page = await call(api, 'GET', '/v1/runs?status=queued,cancelled&limit=2');
    expect(ids(page)).toEqual([alan.id, grace.id]);
    expect(
      ids(await call(api, 'GET', `/v1/runs?status=queued,cancelled&cursor=${String(page.body['nextCursor'])}`)),
    ).toEqual([ada.id]);

    for (const [query, path] of [
      ['status=queued,sideways', 'status'],
      ['from=yesterday', 'from'],
      ['to=2026-13-45T99:00:00Z', 'to'],
      [`q=${'x'.repeat(201)}`, 'q'],
      ['limit=0', 'limit'],
      ['colour=red', ''],
    ] as const) {
      const answer = await call(api, 'GET', `/v1/runs?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error!.path ?? '', query).toBe(path);
    }
  });

  it('replays a run as a new one with the same input, from the top or from a step whose predecessors keep their checkpoints', async () => {
    const ledger: string[] = [];
    const wf = threeSteps(ledger);
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    api = await serveApi(vigil);
    const { id } = await vigil.start(wf, { patient: 'Ada', n: 1 });
    expect(await h.result(vigil, id)).toEqual({ a: 2, b: 4, c: 5 });
    expect(ledger).toEqual(['a', 'b', 'c']);
    const original = await vigil.getRun(id);
    const seqOfB = original!.steps.find((s) => s.name === 'b')!.seq;

    const fromB = await call(api, 'POST', `/v1/runs/${id}/replay`, { fromSeq: seqOfB });
    expect(fromB.status).toBe(202);
    expect(fromB.body).toMatchObject({ replayOf: id, fromSeq: seqOfB });
    const replayId = fromB.body['id'] as string;
    expect(replayId).not.toBe(id);
    expect(await h.result(vigil, replayId)).toEqual({ a: 2, b: 4, c: 5 });
    // Step a returned its checkpoint; b and c ran again.
    expect(ledger).toEqual(['a', 'b', 'c', 'b', 'c']);
    const replay = (await call(api, 'GET', `/v1/runs/${replayId}`)).body;
    expect(replay).toMatchObject({ replayOf: id, workflow: 'dash.three', version: 1, status: 'completed' });
    expect(replay['principal']).toMatch(/^key:/);

    const fromTop = await call(api, 'POST', `/v1/runs/${id}/replay`);
    expect(fromTop.status).toBe(202);
    expect(fromTop.body['fromSeq']).toBeNull();
    expect(await h.result(vigil, fromTop.body['id'] as string)).toEqual({ a: 2, b: 4, c: 5 });
    expect(ledger).toEqual(['a', 'b', 'c', 'b', 'c', 'a', 'b', 'c']);

    await vigil.audit.flush();
    const audit = await vigil.audit.list({ type: 'run.replayed' });
    expect(audit.entries.map((e) => [e.runId, e.data])).toEqual([
      [replayId, { replayOf: id, workflow: 'dash.three', fromSeq: seqOfB }],
      [fromTop.body['id'], { replayOf: id, workflow: 'dash.three', fromSeq: null }],
    ]);
  });

  it('refuses a replay of an unknown run, from a step out of range, or from a step of a run still in flight, writing nothing', async () => {
    const ledger: string[] = [];
    const hold = gate();
    const wf = threeSteps(ledger, hold.promise);
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    api = await serveApi(vigil);
    const { id } = await vigil.start(wf, { patient: 'Ada', n: 1 });
    await h.until(() => ledger.includes('b'));
    const count = async () => ids(await call(api!, 'GET', '/v1/runs')).length;

    expect(await call(api, 'POST', `/v1/runs/${MISSING}/replay`)).toMatchObject({
      status: 404,
      body: { error: { code: 'run_not_found' } },
    });
    expect(await call(api, 'POST', `/v1/runs/${id}/replay`, { fromSeq: 1 })).toMatchObject({
      status: 409,
      body: { error: { code: 'run_in_flight' } },
    });
    expect(await call(api, 'POST', `/v1/runs/${id}/replay`, { fromSeq: 'two' })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', path: 'fromSeq' } },
    });
    expect(await count()).toBe(1);
    hold.open();
    await h.result(vigil, id);
    expect(await call(api, 'POST', `/v1/runs/${id}/replay`, { fromSeq: 99 })).toMatchObject({
      status: 400,
      body: { error: { code: 'from_seq_out_of_range', path: 'fromSeq' } },
    });
    expect(await count()).toBe(1);
  });

  it('answers one step with its checkpointed result, and refuses an unknown run or step', async () => {
    const ledger: string[] = [];
    const wf = threeSteps(ledger);
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    api = await serveApi(vigil);
    const { id } = await vigil.start(wf, { patient: 'P-1', n: 4 });
    await h.result(vigil, id);

    const step = await call(api, 'GET', `/v1/runs/${id}/steps/2`);
    expect(step).toMatchObject({
      status: 200,
      body: { seq: 2, name: 'b', kind: 'step', status: 'completed', output: 10 },
    });
    // The run view leaves results out; the step's answer has it.
    const run = await call(api, 'GET', `/v1/runs/${id}`);
    expect((run.body['steps'] as Array<Record<string, unknown>>)[1]).not.toHaveProperty('output');
    expect(await call(api, 'GET', `/v1/runs/${id}/steps/9`)).toMatchObject({
      status: 404,
      body: { error: { code: 'step_not_found', path: 'seq' } },
    });
    expect(await call(api, 'GET', `/v1/runs/${MISSING}/steps/1`)).toMatchObject({
      status: 404,
      body: { error: { code: 'run_not_found' } },
    });
    expect(await call(api, 'GET', `/v1/runs/${id}/steps/0`)).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', path: 'seq' } },
    });
  });

  it('answers the overview: runs by status and hour, rates, durations, spend, escalations, dead letters, breakers, workers', async () => {
    const hold = gate();
    const quick = defineWorkflow({ name: 'dash.quick', input: Input }, async (ctx) => {
      await ctx.sleep('pause', '90s');
      return ctx.step('done', () => 'ok');
    });
    const broken = defineWorkflow({ name: 'dash.broken', input: Input }, (ctx) =>
      ctx.step('boom', () => {
        throw new NonRetryableError('no such patient');
      }),
    );
    const held = defineWorkflow({ name: 'dash.held', input: Input }, (ctx) => ctx.step('wait', () => hold.promise));
    const vigil = h.vigil([quick, broken, held], { worker: { pollMs: 100 } });
    api = await serveApi(vigil);
    const ok = await vigil.start(quick, { patient: 'a', n: 1 });
    const bad = await vigil.start(broken, { patient: 'b', n: 2 });
    await h.until(async () => (await vigil.getRun(ok.id))!.status === 'completed', { stepMs: 1000, maxMs: 300_000 });
    await h.until(async () => ['failed', 'dead_lettered'].includes((await vigil.getRun(bad.id))!.status));
    const heldRun = await vigil.start(held, { patient: 'c', n: 3 });
    await h.until(async () => (await vigil.getRun(heldRun.id))!.status === 'running');

    const answer = await call(api, 'GET', '/v1/overview?window=24h');
    expect(answer.status).toBe(200);
    const overview = answer.body as unknown as OverviewView;
    expect(overview.window).toBe('24h');
    expect(overview.runs.series).toHaveLength(24);
    expect(Date.parse(overview.to) - Date.parse(overview.from)).toBe(24 * 3_600_000);
    const last = overview.runs.series.at(-1)!;
    expect(last.at).toBe(new Date(Math.floor(h.clock.now() / 3_600_000) * 3_600_000).toISOString());
    expect(overview.runs.series.reduce((n, b) => n + b.started, 0)).toBe(3);
    expect(last).toMatchObject({ started: 3, completed: 1, failed: 1 });
    expect(overview.runs.byStatus).toMatchObject({ completed: 1, running: 1 });
    expect(overview.successRate).toBe(0.5);
    expect(overview.escalationRate).toBe(0);
    expect(overview.durationSeconds.p50).toBeGreaterThanOrEqual(90);
    expect(overview.durationSeconds.p95).toBe(overview.durationSeconds.p50);
    expect(overview).toMatchObject({
      spendTodayUsd: 0,
      openEscalations: 0,
      breakers: { closed: 0, halfOpen: 0, open: 0 },
    });
    expect(overview.deadLetters).toBe((await vigil.getRun(bad.id))!.status === 'dead_lettered' ? 1 : 0);
    expect(overview.workers).toHaveLength(1);
    expect(overview.workers[0]).toMatchObject({ runs: 1 });
    expect(Date.parse(overview.workers[0]!.lastSeenAt)).toBeLessThanOrEqual(h.clock.now());

    const week = (await call(api, 'GET', '/v1/overview?window=7d')).body as unknown as OverviewView;
    expect(week.runs.series).toHaveLength(7);
    expect(Date.parse(week.runs.series[1]!.at) - Date.parse(week.runs.series[0]!.at)).toBe(86_400_000);
    for (const window of ['24', '0h', '91d', '1w', '-1h']) {
      expect(await call(api, 'GET', `/v1/overview?window=${window}`), window).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid_window', path: 'window' } },
      });
    }
    hold.open();
  });
});
