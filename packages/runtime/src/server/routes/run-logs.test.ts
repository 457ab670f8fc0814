import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../../test/helpers/harness.js';
import { httpApp } from '../../../test/helpers/http-app.js';
import { defineWorkflow } from '../../core/workflow.js';
import type { RunLogPage } from '../../runtime/run-log-client.js';

const triage = defineWorkflow({ name: 'ops.triage', input: z.object({ ward: z.string() }) }, async (ctx, input) => {
  ctx.log.info('triage started', { ward: input.ward });
  await ctx.step('vitals', (step) => {
    for (let i = 1; i <= 3; i++) step.log.info(`reading ${i}`, { token: `t-${i}` });
  });
  await ctx.step('assign', (step) => step.log.warn('no bed free', { ward: input.ward }));
  return 'done';
});

describe.each(DIALECTS)('GET /v1/runs/:id/logs on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  async function finishedRun() {
    const vigil = h.vigil([triage], { worker: { pollMs: 100 } });
    const { id } = await vigil.start(triage, { ward: 'B' });
    expect(await h.result(vigil, id)).toBe('done');
    return { id, request: httpApp(vigil, { role: 'viewer' }), vigil };
  }

  it('answers a run’s lines, or one step’s, to a read key', async () => {
    const { id, request } = await finishedRun();
    const all = await request<RunLogPage>('GET', `/v1/runs/${id}/logs`);
    expect(all.status).toBe(200);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.logs.map((l) => [l.seq, l.step, l.msg])).toEqual([
      [0, null, 'triage started'],
      [1, 'vitals', 'reading 1'],
      [1, 'vitals', 'reading 2'],
      [1, 'vitals', 'reading 3'],
      [2, 'assign', 'no bed free'],
    ]);
    expect(all.body.logs[1]).toEqual({
      at: expect.any(String) as string,
      level: 'info',
      msg: 'reading 1',
      seq: 1,
      step: 'vitals',
      attempt: 1,
      fields: { token: '[redacted]' },
    });
    const assign = await request<RunLogPage>('GET', `/v1/runs/${id}/logs?seq=2`);
    expect(assign.body.logs).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'no bed free', fields: { ward: 'B' } }),
    ]);
  });

  it('pages with limit and the cursor it returns', async () => {
    const { id, request } = await finishedRun();
    const first = await request<RunLogPage>('GET', `/v1/runs/${id}/logs?seq=1&limit=2`);
    expect(first.body.logs.map((l) => l.msg)).toEqual(['reading 1', 'reading 2']);
    const rest = await request<RunLogPage>('GET', `/v1/runs/${id}/logs?seq=1&limit=2&after=${first.body.nextCursor!}`);
    expect(rest.body).toEqual({ logs: [expect.objectContaining({ msg: 'reading 3' })], nextCursor: null });
  });

  it('refuses a bad query with its field, an unknown run with 404, and a request without a key', async () => {
    const { id, request, vigil } = await finishedRun();
    expect(await request('GET', `/v1/runs/${id}/logs?seq=-1`)).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', path: 'seq' } },
    });
    expect(await request('GET', `/v1/runs/${id}/logs?after=x`)).toMatchObject({
      status: 400,
      body: { error: { path: 'after' } },
    });
    expect(await request('GET', `/v1/runs/${id}/logs?level=info`)).toMatchObject({ status: 400 });
    expect(await request('GET', '/v1/runs/no-such-run/logs')).toMatchObject({
      status: 404,
      body: { error: { code: 'run_not_found' } },
    });
    const anonymous = httpApp(vigil, { key: 'not-a-key' });
    expect((await anonymous('GET', `/v1/runs/${id}/logs`)).status).toBe(401);
  });
});
