import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { Harness } from '../../../test/helpers/harness.js';
import { httpApp } from '../../../test/helpers/http-app.js';
import { defineTool } from '../../core/tool.js';
import { defineWorkflow } from '../../core/workflow.js';
import type { ReplayResult } from '../../runtime/dead-letter-client.js';
import type { BreakerView } from '../../runtime/operator-views.js';
import type { ToolView } from '../../runtime/tool-registry.js';

let h: Harness;
let billingUp: boolean;
beforeEach(() => {
  h = new Harness();
  billingUp = false;
});
afterEach(() => h.cleanup());

/** Its breaker opens on the first failure and stays open for an hour. */
const charge = defineTool({
  name: 'billing.v2:charge',
  version: '2.1.0',
  description: 'Charges a card',
  input: z.object({ amount: z.number().positive() }),
  output: z.object({ receipt: z.string() }),
  retry: { attempts: 1 },
  circuitBreaker: { failureThreshold: 1, cooldown: '1h' },
  run: ({ amount }) => {
    if (!billingUp) throw new Error('billing is down');
    return { receipt: `R-${amount}` };
  },
});

const pay = defineWorkflow(
  { name: 'ops.pay', input: z.object({ amount: z.number().positive() }) },
  async (ctx, input) => ctx.tool(charge, input, { name: 'charge' }),
);

async function setup() {
  const vigil = h.vigil([pay], { tools: [charge], worker: { pollMs: 60_000 } });
  await vigil.ready();
  return { vigil, request: httpApp(vigil) };
}

describe('/v1/tools', () => {
  it('lists the registered tools with their schemas and failure policies', async () => {
    const { request } = await setup();
    const res = await request<{ tools: ToolView[] }>('GET', '/v1/tools');
    expect(res.status).toBe(200);
    expect(res.body.tools).toHaveLength(1);
    expect(res.body.tools[0]).toMatchObject({
      name: 'billing.v2:charge',
      version: '2.1.0',
      description: 'Charges a card',
      input: { type: 'object', properties: { amount: { type: 'number' } } },
      output: { type: 'object', properties: { receipt: { type: 'string' } } },
      policy: {
        timeoutMs: 10_000,
        retry: { attempts: 1 },
        circuitBreaker: { failureThreshold: 1, cooldownMs: 3_600_000, whenOpen: 'fail', key: null },
        onExhausted: 'fail',
        hasFallback: false,
        effects: 'idempotent',
      },
    });
  });
});

describe('/v1/breakers', () => {
  it('shows an open breaker, resets it by its URL-encoded key, and a replay then goes through', async () => {
    const { vigil, request } = await setup();
    expect((await request('GET', '/v1/breakers')).body).toEqual({ breakers: [] });
    const { id } = await vigil.start(pay, { amount: 5 });
    await h.until(async () => (await vigil.getRun(id))?.status === 'dead_lettered');

    const open = await request<{ breakers: BreakerView[] }>('GET', '/v1/breakers');
    expect(open.status).toBe(200);
    expect(open.body.breakers).toEqual([
      expect.objectContaining({
        key: 'billing.v2:charge',
        tool: 'billing.v2:charge',
        status: 'open',
        consecutiveFailures: 1,
        lastError: expect.stringContaining('billing is down') as unknown,
      }),
    ]);
    expect(open.body.breakers[0]!.openUntil).not.toBeNull();

    const operatorActions: unknown[] = [];
    vigil.events.on('breaker.reset', (event) => operatorActions.push(['breaker.reset', event]));
    vigil.events.on('dead_letter.replayed', (event) => operatorActions.push(['dead_letter.replayed', event]));
    const reset = await request<BreakerView>('POST', `/v1/breakers/${encodeURIComponent('billing.v2:charge')}/reset`);
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ key: 'billing.v2:charge', status: 'closed', consecutiveFailures: 0 });

    billingUp = true;
    const letter = (await vigil.deadLetters.list()).deadLetters[0]!;
    const replay = await request<ReplayResult>('POST', `/v1/dead-letters/${letter.id}/replay`);
    expect(replay.status).toBe(202);
    expect(await h.result(vigil, id)).toEqual({ receipt: 'R-5' });
    // Both operator actions name the caller's key.
    const principal = expect.stringMatching(/^key:[0-9a-f]{12}$/) as unknown;
    expect(operatorActions).toEqual([
      ['breaker.reset', { key: 'billing.v2:charge', tool: 'billing.v2:charge', principal }],
      ['dead_letter.replayed', { deadLetterId: letter.id, runId: id, replayRunId: id, principal }],
    ]);
  });

  it('answers 404 for a breaker that does not exist', async () => {
    const { request } = await setup();
    const res = await request('POST', `/v1/breakers/${encodeURIComponent('no/such:tool')}/reset`);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'breaker_not_found', path: 'key' });
    expect(res.body.error!.message).toContain('"no/such:tool"');
  });
});
