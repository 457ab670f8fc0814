import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { Harness } from '../../../test/helpers/harness.js';
import { httpApp } from '../../../test/helpers/http-app.js';
import { defineWorkflow } from '../../core/workflow.js';
import type { ReplayResult } from '../../runtime/dead-letter-client.js';
import type { DeadLetterView } from '../../runtime/operator-views.js';

let h: Harness;
let cardWorks: boolean;
let fetches: string[];
beforeEach(() => {
  h = new Harness();
  cardWorks = false;
  fetches = [];
});
afterEach(() => h.cleanup());

/** Fetches an account, then charges it: the charge fails permanently until `cardWorks`. */
const invoice = defineWorkflow(
  { name: 'ops.invoice', input: z.object({ amount: z.number().positive() }), steps: ['fetch', 'charge'] },
  async (ctx, input) => {
    const account = await ctx.step('fetch', ({ runId }) => {
      fetches.push(runId);
      return 'A-1';
    });
    const receipt = await ctx.step('charge', () => {
      if (!cardWorks) throw new Error('card declined');
      return `R-${input.amount}`;
    });
    return { account, receipt };
  },
);

type List = { deadLetters: DeadLetterView[]; nextCursor: string | null };

/** One run of `invoice`, dead-lettered. */
async function setup() {
  const vigil = h.vigil([invoice], { worker: { pollMs: 60_000 } });
  await vigil.ready();
  const request = httpApp(vigil);
  const { id: runId } = await vigil.start(invoice, { amount: 12 });
  await h.until(async () => (await vigil.getRun(runId))?.status === 'dead_lettered');
  const letter = (await vigil.deadLetters.list()).deadLetters[0]!;
  const runCount = async () => (await vigil.listRuns()).runs.length;
  return { vigil, request, runId, letter, runCount };
}

describe('/v1/dead-letters', () => {
  it('lists and shows dead letters with the failed step and its context', async () => {
    const { request, runId, letter } = await setup();
    const list = await request<List>('GET', '/v1/dead-letters');
    expect(list.status).toBe(200);
    expect(list.body.nextCursor).toBeNull();
    expect(list.body.deadLetters).toHaveLength(1);
    expect(list.body.deadLetters[0]).toMatchObject({
      id: letter.id,
      runId,
      workflow: 'ops.invoice',
      version: 1,
      failedStep: { seq: 2, name: 'charge' },
      error: { code: 'step_failed' },
      replayedAt: null,
      replayRunId: null,
      context: {
        completedSteps: [{ seq: 1, name: 'fetch', status: 'completed' }],
        failingStep: { seq: 2, name: 'charge' },
        lastError: { message: 'card declined' },
      },
    });
    expect((await request<List>('GET', '/v1/dead-letters?workflow=ops.other')).body.deadLetters).toEqual([]);
    expect((await request<List>('GET', '/v1/dead-letters?workflow=ops.invoice&limit=5')).body.deadLetters).toHaveLength(
      1,
    );
    const shown = await request<DeadLetterView>('GET', `/v1/dead-letters/${letter.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(list.body.deadLetters[0]);

    for (const [query, path] of [
      ['includeReplayed=yes', 'includeReplayed'],
      ['limit=501', 'limit'],
      ['state=all', null],
    ] as const) {
      const res = await request('GET', `/v1/dead-letters?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', ...(path ? { path } : {}) });
    }
    const missing = await request('GET', '/v1/dead-letters/019b0000-0000-7000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'dead_letter_not_found', path: 'id' });
  });

  it('replays from the last good checkpoint: completed steps do not run again; a second replay is 409', async () => {
    const { vigil, request, runId, letter } = await setup();
    cardWorks = true;
    const res = await request<ReplayResult>('POST', `/v1/dead-letters/${letter.id}/replay`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ runId, fromSeq: 2, deadLetter: { id: letter.id, replayRunId: runId } });
    expect(res.body.deadLetter.replayedAt).not.toBeNull();
    expect(await h.result(vigil, runId)).toEqual({ account: 'A-1', receipt: 'R-12' });
    expect(fetches).toEqual([runId]);

    const again = await request('POST', `/v1/dead-letters/${letter.id}/replay`, {});
    expect(again.status).toBe(409);
    expect(again.body.error!.code).toBe('dead_letter_replayed');
    expect((await request<List>('GET', '/v1/dead-letters')).body.deadLetters).toEqual([]);
    const history = await request<List>('GET', '/v1/dead-letters?includeReplayed=true');
    expect(history.body.deadLetters.map((d) => d.id)).toEqual([letter.id]);
  });

  it('replays from a named step, running it and everything after it again', async () => {
    const { vigil, request, runId, letter } = await setup();
    cardWorks = true;
    const res = await request<ReplayResult>('POST', `/v1/dead-letters/${letter.id}/replay`, { fromStep: 'fetch' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ runId, fromSeq: 1 });
    await h.result(vigil, runId);
    expect(fetches).toEqual([runId, runId]);
  });

  it('replays with new input as a new run', async () => {
    const { vigil, request, runId, letter, runCount } = await setup();
    cardWorks = true;
    const res = await request<ReplayResult>('POST', `/v1/dead-letters/${letter.id}/replay`, { input: { amount: 30 } });
    expect(res.status).toBe(202);
    expect(res.body.runId).not.toBe(runId);
    expect(res.body).toMatchObject({ fromSeq: null, deadLetter: { replayRunId: res.body.runId } });
    expect(await h.result(vigil, res.body.runId)).toEqual({ account: 'A-1', receipt: 'R-30' });
    expect((await vigil.getRun(runId))!.status).toBe('dead_lettered');
    expect(await runCount()).toBe(2);
  });

  it('refuses a bad replay with a stable code and the field, and writes nothing', async () => {
    const { vigil, request, runId, letter, runCount } = await setup();
    cardWorks = true;
    for (const [body, status, code, path] of [
      ['{"fromStep":', 400, 'invalid_json', null],
      [{ fromStep: 'fetch', input: { amount: 1 } }, 400, 'invalid_request', 'input'],
      [{ fromStep: '' }, 400, 'invalid_request', 'fromStep'],
      [{ fromStep: 3 }, 400, 'invalid_request', 'fromStep'],
      [{ from: 'fetch' }, 400, 'invalid_request', null],
      [{ fromStep: 'refund' }, 404, 'step_not_found', 'fromStep'],
      [{ input: { amount: -1 } }, 422, 'input_invalid', 'input.amount'],
    ] as const) {
      const res = await request('POST', `/v1/dead-letters/${letter.id}/replay`, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error).toMatchObject({ code, ...(path ? { path } : {}) });
    }
    const unknown = await request('POST', '/v1/dead-letters/019b0000-0000-7000-8000-000000000000/replay', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error!.code).toBe('dead_letter_not_found');

    expect(await vigil.deadLetters.get(letter.id)).toMatchObject({ replayedAt: null, replayRunId: null });
    await h.clock.advance(5_000);
    expect((await vigil.getRun(runId))!.status).toBe('dead_lettered');
    expect(await runCount()).toBe(1);
    expect(fetches).toEqual([runId]);
  });
});
