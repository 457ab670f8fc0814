/** The caller's key is recorded as the principal of what each route does, in the store and in the events. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import { createKey, httpApp } from '../../test/helpers/http-app.js';
import { defineWorkflow } from '../core/workflow.js';
import { parseApiKey } from '../governance/api-keys.js';
import type { RuntimeEventMap, RuntimeEventName } from '../runtime/events.js';
import type { RunDetails } from '../runtime/run-view.js';

const admitted = defineWorkflow(
  { name: 'ward.admitted', input: z.object({ patientId: z.string() }), on: { event: 'patient.admitted' } },
  async (ctx, input) => ctx.step('greet', () => `hello ${input.patientId}`),
);

describe.each(DIALECTS)('principals on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('records key:<id> on runs, events and operator actions made through the API; code and event:<id> otherwise', async () => {
    const vigil = h.vigil([admitted]);
    await vigil.ready();
    const seen: Array<[RuntimeEventName, unknown]> = [];
    for (const name of ['run.created', 'run.cancelled', 'schedule.changed'] as const) {
      vigil.events.on(name, (payload: RuntimeEventMap[typeof name]) => seen.push([name, payload]));
    }
    const key = await createKey(vigil, 'admin');
    const principal = `key:${parseApiKey(key)!.id}`;
    const request = httpApp(vigil, { key });

    const started = await request<{ id: string }>('POST', '/v1/runs', {
      workflow: 'ward.admitted',
      input: { patientId: 'P-1' },
    });
    expect((await request<RunDetails>('GET', `/v1/runs/${started.body.id}`)).body.principal).toBe(principal);
    expect((await request<{ runs: RunDetails[] }>('GET', '/v1/runs')).body.runs[0]!.principal).toBe(principal);
    await request('POST', `/v1/runs/${started.body.id}/cancel`);

    const sent = await request<{ event: { id: string; principal: string }; runs: string[] }>('POST', '/v1/events', {
      name: 'patient.admitted',
      payload: { patientId: 'P-2' },
    });
    expect(sent.body.event.principal).toBe(principal);
    expect((await vigil.getRun(sent.body.runs[0]!))!.principal).toBe(`event:${sent.body.event.id}`);

    const schedule = await request<{ id: string }>('POST', '/v1/schedules', {
      workflow: 'ward.admitted',
      cron: '0 * * * *',
      input: { patientId: 'P-3' },
    });
    await request('POST', `/v1/schedules/${schedule.body.id}/pause`);
    const triggered = await request<{ id: string }>('POST', `/v1/schedules/${schedule.body.id}/trigger`);
    expect((await vigil.getRun(triggered.body.id))!.principal).toBe(principal);
    await request('DELETE', `/v1/schedules/${schedule.body.id}`);

    const fromCode = await vigil.start(admitted, { patientId: 'P-4' });
    expect((await vigil.getRun(fromCode.id))!.principal).toBe('code');

    expect(seen).toEqual([
      ['run.created', expect.objectContaining({ runId: started.body.id, principal })],
      ['run.cancelled', { runId: started.body.id, workflow: 'ward.admitted', durationMs: 0, principal }],
      ['run.created', expect.objectContaining({ runId: sent.body.runs[0], principal: `event:${sent.body.event.id}` })],
      ['schedule.changed', { scheduleId: schedule.body.id, action: 'added', principal }],
      ['schedule.changed', { scheduleId: schedule.body.id, action: 'paused', principal }],
      ['run.created', expect.objectContaining({ runId: triggered.body.id, principal })],
      ['schedule.changed', { scheduleId: schedule.body.id, action: 'triggered', principal }],
      ['schedule.changed', { scheduleId: schedule.body.id, action: 'removed', principal }],
      ['run.created', expect.objectContaining({ runId: fromCode.id, principal: 'code' })],
    ]);
  });
});
