import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { Harness } from '../../../test/helpers/harness.js';
import { httpApp } from '../../../test/helpers/http-app.js';
import { defineWorkflow } from '../../core/workflow.js';
import type { EscalationView } from '../../runtime/operator-views.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.cleanup());

/** A dose above the limit waits for a pharmacist, who may provide another dose. */
const doseReview = defineWorkflow(
  {
    name: 'ops.dose-review',
    input: z.object({ patientId: z.string(), dose: z.number(), reviewer: z.string() }),
    steps: ['prescribe', 'review', 'dispense'],
  },
  async (ctx, input) => {
    await ctx.step('prescribe', () => input.dose);
    const review = await ctx.escalate<{ dose: number }>({
      name: 'review',
      reason: `Dose of ${input.dose} mg is above the limit`,
      summary: `Patient ${input.patientId} weighs 40 kg`,
      assignee: input.reviewer,
      timeout: '1h',
    });
    const dose = review.decision === 'provide' ? review.value!.dose : input.dose;
    await ctx.step('dispense', () => dose);
    return { dose, decision: review.decision, resolvedBy: review.resolvedBy };
  },
);

type List = { escalations: EscalationView[]; nextCursor: string | null };

/** Two runs waiting on an escalation each, the second one newer. */
async function setup() {
  const vigil = h.vigil([doseReview], { worker: { pollMs: 60_000 } });
  await vigil.ready();
  const request = httpApp(vigil);
  const first = await vigil.start(doseReview, { patientId: 'P-1', dose: 900, reviewer: 'pharmacist' });
  await h.until(async () => (await vigil.escalations.list()).escalations.length === 1);
  // Ids sort by time; a later millisecond makes the second escalation the newer one.
  await h.clock.advance(10);
  const second = await vigil.start(doseReview, { patientId: 'P-2', dose: 800, reviewer: 'oncologist' });
  await h.until(async () => (await vigil.escalations.list()).escalations.length === 2);
  const { escalations } = await vigil.escalations.list();
  const byRun = (runId: string) => escalations.find((e) => e.runId === runId)!;
  return { vigil, request, runs: [first.id, second.id], escalations: [byRun(first.id), byRun(second.id)] };
}

describe('/v1/escalations', () => {
  it('lists open escalations newest first, filters and pages them, and shows one', async () => {
    const { request, runs, escalations } = await setup();
    const [first, second] = escalations as [EscalationView, EscalationView];

    const all = await request<List>('GET', '/v1/escalations');
    expect(all.status).toBe(200);
    expect(all.body.escalations.map((e) => e.id)).toEqual([second.id, first.id]);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.escalations[1]).toMatchObject({
      runId: runs[0],
      workflow: 'ops.dose-review',
      seq: 2,
      step: 'review',
      kind: 'manual',
      reason: 'Dose of 900 mg is above the limit',
      summary: 'Patient P-1 weighs 40 kg',
      assignee: 'pharmacist',
      blocking: true,
      status: 'open',
      decision: null,
      context: { completedSteps: [{ seq: 1, name: 'prescribe', status: 'completed' }] },
    });

    const ids = async (query: string) =>
      (await request<List>('GET', `/v1/escalations${query}`)).body.escalations.map((e) => e.id);
    expect(await ids('?assignee=pharmacist')).toEqual([first.id]);
    expect(await ids(`?runId=${runs[1]}`)).toEqual([second.id]);
    expect(await ids('?status=resolved')).toEqual([]);
    expect(await ids('?status=all')).toEqual([second.id, first.id]);
    const page = await request<List>('GET', '/v1/escalations?limit=1');
    expect(page.body.escalations.map((e) => e.id)).toEqual([second.id]);
    expect(await ids(`?limit=1&cursor=${page.body.nextCursor}`)).toEqual([first.id]);

    const shown = await request<EscalationView>('GET', `/v1/escalations/${first.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(all.body.escalations[1]);
  });

  it('answers 400 for a bad query and 404 for an unknown escalation', async () => {
    const { request } = await setup();
    for (const [query, path] of [
      ['status=sideways', 'status'],
      ['limit=0', 'limit'],
      ['limit=many', 'limit'],
      ['colour=red', null],
    ] as const) {
      const res = await request('GET', `/v1/escalations?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', ...(path ? { path } : {}) });
    }
    const missing = await request('GET', '/v1/escalations/019b0000-0000-7000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'escalation_not_found', path: 'id' });
  });

  it('resolves with provide: the run resumes with the value, and a second decision is 409', async () => {
    const { vigil, request, runs, escalations } = await setup();
    const res = await request<EscalationView>('POST', `/v1/escalations/${escalations[0]!.id}/resolve`, {
      decision: 'provide',
      value: { dose: 450 },
      note: 'halved for weight',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: escalations[0]!.id,
      status: 'resolved',
      decision: 'provide',
      value: { dose: 450 },
      note: 'halved for weight',
    });
    expect(res.body.resolvedAt).not.toBeNull();
    // Resolved by the caller's key, when the body names no one else.
    expect(await h.result(vigil, runs[0]!)).toEqual({
      dose: 450,
      decision: 'provide',
      resolvedBy: expect.stringMatching(/^key:[0-9a-f]{12}$/) as unknown,
    });

    const again = await request('POST', `/v1/escalations/${escalations[0]!.id}/resolve`, { decision: 'skip' });
    expect(again.status).toBe(409);
    expect(again.body.error!.code).toBe('escalation_not_open');
    // The other run still waits.
    expect((await vigil.getRun(runs[1]!))!.status).toBe('waiting');
  });

  it("keeps both the person named in the body (resolvedBy) and the caller (the event's principal)", async () => {
    const { vigil, request, escalations } = await setup();
    const resolved: Array<{ resolvedBy: string | null; principal?: string | null }> = [];
    vigil.events.on('escalation.resolved', (event) => resolved.push(event));
    const res = await request<EscalationView>('POST', `/v1/escalations/${escalations[1]!.id}/resolve`, {
      decision: 'skip',
      resolvedBy: 'nurse.ana',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resolvedBy: 'nurse.ana' });
    expect(resolved).toEqual([
      expect.objectContaining({
        resolvedBy: 'nurse.ana',
        principal: expect.stringMatching(/^key:[0-9a-f]{12}$/) as unknown,
      }),
    ]);
  });

  it('ends the run failed on abort', async () => {
    const { vigil, request, runs, escalations } = await setup();
    const res = await request('POST', `/v1/escalations/${escalations[1]!.id}/resolve`, { decision: 'abort' });
    expect(res.status).toBe(200);
    await h.until(async () => (await vigil.getRun(runs[1]!))!.status === 'failed');
    expect((await vigil.getRun(runs[1]!))!.error).toMatchObject({ code: 'escalation_aborted' });
  });

  it('refuses a bad decision with 400 naming the field, and writes nothing', async () => {
    const { vigil, request, runs, escalations } = await setup();
    const id = escalations[0]!.id;
    for (const [body, code, path] of [
      ['{"decision":', 'invalid_json', null],
      ['', 'invalid_request', null],
      [{}, 'invalid_request', 'decision'],
      [{ decision: 'maybe' }, 'invalid_request', 'decision'],
      [{ decision: 'provide' }, 'invalid_request', 'value'],
      [{ decision: 'retry', value: 1 }, 'invalid_request', 'value'],
      [{ decision: 'skip', note: 7 }, 'invalid_request', 'note'],
      [{ decision: 'skip', note: 'x'.repeat(2001) }, 'invalid_request', 'note'],
      [{ decision: 'skip', reason: 'typo' }, 'invalid_request', null],
    ] as const) {
      const res = await request('POST', `/v1/escalations/${id}/resolve`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code, ...(path ? { path } : {}) });
    }
    // approve and reject are for approvals of tool calls alone.
    for (const decision of ['approve', 'reject']) {
      const res = await request('POST', `/v1/escalations/${id}/resolve`, { decision });
      expect(res.status, decision).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'decision_not_applicable', path: 'decision' });
    }
    const unknown = await request('POST', '/v1/escalations/019b0000-0000-7000-8000-000000000000/resolve', {
      decision: 'skip',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error!.code).toBe('escalation_not_found');

    expect(await vigil.escalations.get(id)).toMatchObject({ status: 'open', decision: null, note: null });
    await h.clock.advance(5_000);
    expect((await vigil.getRun(runs[0]!))!.status).toBe('waiting');
  });
});
