import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { Harness } from '../../../test/helpers/harness.js';
import { httpApp } from '../../../test/helpers/http-app.js';
import { defineWorkflow } from '../../core/workflow.js';
import type { ScheduleView } from '../../runtime/operator-views.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.cleanup());

const recon = defineWorkflow(
  { name: 'ops.recon', input: z.object({ processor: z.string() }) },
  async (_ctx, input) => input.processor,
);
/** Declares its own schedule. */
const sweep = defineWorkflow(
  { name: 'ops.sweep', input: z.object({}), schedule: { cron: '*/15 * * * *' } },
  async () => 'swept',
);

type List = { schedules: ScheduleView[]; nextCursor: string | null };

async function setup() {
  const vigil = h.vigil([recon, sweep], { worker: { pollMs: 60_000 } });
  await vigil.ready();
  // The scheduler stores the declared schedule as it starts (in real time: the clock stands still).
  while (!(await vigil.schedules.list()).schedules.some((s) => s.id === 'ops.sweep')) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { vigil, request: httpApp(vigil) };
}

describe('/v1/schedules', () => {
  it('adds a schedule (201), shows it, lists schedules newest first by workflow and page', async () => {
    const { request } = await setup();
    const created = await request<ScheduleView>('POST', '/v1/schedules', {
      id: 'recon.hourly',
      workflow: 'ops.recon',
      cron: '0 * * * *',
      timezone: 'America/New_York',
      jitter: '2m',
      overlap: 'skip',
      catchUp: 'all',
      catchUpWindow: '6h',
      input: { processor: 'stripe' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'recon.hourly',
      workflow: 'ops.recon',
      cron: '0 * * * *',
      timezone: 'America/New_York',
      jitterMs: 120_000,
      overlap: 'skip',
      catchUp: 'all',
      catchUpWindowMs: 21_600_000,
      input: { processor: 'stripe' },
      paused: false,
      origin: 'api',
      nextSlotAt: '2026-01-01T01:00:00.000Z',
      lastRunId: null,
    });
    await h.clock.advance(5);
    const second = await request<ScheduleView>('POST', '/v1/schedules', {
      workflow: 'ops.recon',
      cron: '@daily',
      input: { processor: 'adyen' },
    });
    expect(second.status).toBe(201);
    expect(second.body.id).toMatch(/^ops\.recon:[0-9a-f]{8}$/);

    const shown = await request<ScheduleView>('GET', '/v1/schedules/recon.hourly');
    expect(shown).toEqual({ status: 200, body: created.body });
    const all = await request<List>('GET', '/v1/schedules');
    expect(all.body.schedules.map((s) => s.id)).toEqual([second.body.id, 'recon.hourly', 'ops.sweep']);
    const page = await request<List>('GET', '/v1/schedules?workflow=ops.recon&limit=1');
    expect(page.body.schedules.map((s) => s.id)).toEqual([second.body.id]);
    const next = await request<List>('GET', `/v1/schedules?workflow=ops.recon&limit=1&cursor=${page.body.nextCursor}`);
    expect(next.body).toEqual({ schedules: [created.body], nextCursor: null });
  });

  it('answers 400 naming what is wrong with a cron expression, time zone or option, and writes nothing', async () => {
    const { request } = await setup();
    const base = { workflow: 'ops.recon', input: { processor: 'stripe' } };
    for (const [body, code, path, message] of [
      [
        { ...base, cron: '61 * * * *' },
        'invalid_argument',
        'cron',
        /^cron: "61 \* \* \* \*" is not a valid cron expression: .*61/,
      ],
      [{ ...base, cron: '* * *' }, 'invalid_argument', 'cron', /"\* \* \*" has 3 fields; a cron expression has 5/],
      [
        { ...base, cron: '0 * * * *', timezone: 'Mars/Olympus' },
        'invalid_argument',
        'timezone',
        /"Mars\/Olympus" is not an IANA time zone/,
      ],
      [
        { ...base, cron: '0 * * * *', overlap: 'queue' },
        'invalid_argument',
        'overlap',
        /one of skip, buffer-one, allow/,
      ],
      [{ ...base, cron: '0 * * * *', catchUp: 'some' }, 'invalid_argument', 'catchUp', /one of none, latest, all/],
      [{ ...base, cron: '0 * * * *', jitter: 'soon' }, 'invalid_argument', 'jitter', /jitter/],
      [{ ...base, cron: '0 * * * *', id: 'two words' }, 'invalid_argument', 'id', /Schedule id "two words" is invalid/],
      [{ ...base }, 'invalid_request', 'cron', /cron/],
      [{ ...base, cron: '0 * * * *', colour: 'red' }, 'invalid_request', null, /colour/],
      ['{"cron":', 'invalid_json', null, /not valid JSON/],
    ] as const) {
      const res = await request('POST', '/v1/schedules', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error!.code).toBe(code);
      if (path) expect(res.body.error!.path).toBe(path);
      expect(res.body.error!.message).toMatch(message);
    }
    const badInput = await request('POST', '/v1/schedules', { ...base, cron: '0 * * * *', input: { processor: 1 } });
    expect(badInput.status).toBe(422);
    expect(badInput.body.error).toMatchObject({ code: 'input_invalid', path: 'input.processor' });
    const unknown = await request('POST', '/v1/schedules', { ...base, workflow: 'ops.nope', cron: '0 * * * *' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'workflow_not_found', path: 'workflow' });
    expect((await request<List>('GET', '/v1/schedules')).body.schedules.map((s) => s.id)).toEqual(['ops.sweep']);

    const taken = await request('POST', '/v1/schedules', { ...base, id: 'ops.sweep', cron: '0 * * * *' });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'schedule_exists', path: 'id' });
    expect((await request('GET', '/v1/schedules?limit=0')).body.error).toMatchObject({ code: 'invalid_request' });
  });

  it('pauses, resumes, runs a schedule now, and removes it; a declared one cannot be removed', async () => {
    const { vigil, request } = await setup();
    await request('POST', '/v1/schedules', {
      id: 'recon.hourly',
      workflow: 'ops.recon',
      cron: '0 * * * *',
      input: { processor: 'stripe' },
    });
    const paused = await request<ScheduleView>('POST', '/v1/schedules/recon.hourly/pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, nextFireAt: null });
    await h.clock.advance(90 * 60_000);
    const resumed = await request<ScheduleView>('POST', '/v1/schedules/recon.hourly/resume');
    expect(resumed.body).toMatchObject({ paused: false, nextSlotAt: '2026-01-01T02:00:00.000Z' });

    const triggered = await request<{ id: string; status: string }>('POST', '/v1/schedules/recon.hourly/trigger');
    expect(triggered.status).toBe(202);
    expect(await h.result(vigil, triggered.body.id)).toBe('stripe');
    expect((await vigil.getRun(triggered.body.id))!.idempotencyKey).toBe(
      'schedule:recon.hourly:manual:2026-01-01T01:30:00.000Z',
    );

    const removed = await request<ScheduleView>('DELETE', '/v1/schedules/recon.hourly');
    expect(removed.status).toBe(200);
    expect(removed.body.id).toBe('recon.hourly');
    for (const [method, path] of [
      ['GET', '/v1/schedules/recon.hourly'],
      ['DELETE', '/v1/schedules/recon.hourly'],
      ['POST', '/v1/schedules/recon.hourly/pause'],
      ['POST', '/v1/schedules/recon.hourly/resume'],
      ['POST', '/v1/schedules/recon.hourly/trigger'],
    ] as const) {
      const res = await request(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'schedule_not_found', path: 'id' });
    }

    const declared = await request('DELETE', '/v1/schedules/ops.sweep');
    expect(declared.status).toBe(409);
    expect(declared.body.error!.code).toBe('schedule_declared');
    expect(declared.body.error!.message).toContain('remove `schedule` from its definition');
  });
});
