import { createServer, type Server } from 'node:http';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Harness } from '../../test/helpers/harness.js';
import { Input } from '../../test/fixtures/tools.js';
import { verifyWebhookSignature } from '../core/webhook-signature.js';
import { defineWorkflow } from '../core/workflow.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface Delivery {
  headers: Record<string, string>;
  body: string;
  at: number;
}

describe('escalation notifications', () => {
  let h: Harness;
  let server: Server;
  let url: string;
  const deliveries: Delivery[] = [];
  let failFirst = 0;

  beforeEach(async () => {
    h = new Harness('sqlite');
    deliveries.length = 0;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        deliveries.push({ headers: req.headers as Record<string, string>, body, at: h.clock.now() });
        res.statusCode = deliveries.length <= failFirst ? 503 : 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/escalations`;
  });
  afterEach(async () => {
    await h.cleanup();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts each opened escalation as a signed Standard Webhook, retried with backoff until it is accepted', async () => {
    failFirst = 2;
    const wf = defineWorkflow({ name: 'notifying', input: Input }, async (ctx) => {
      await ctx.escalate({ reason: 'dose looks high', assignee: 'pharmacist', blocking: false });
      return 'ok';
    });
    const vigil = h.vigil([wf], {
      worker: { pollMs: 60_000 },
      notifications: { webhook: { url, secret: SECRET }, pollMs: 500 },
    });
    const { id } = await vigil.start(wf, { patientId: 'P-1' });
    expect(await h.result(vigil, id)).toBe('ok');
    await h.until(() => deliveries.length === 3, { stepMs: 100 });

    const [escalation] = (await vigil.escalations.list({ runId: id })).escalations;
    for (const d of deliveries) {
      const ok = verifyWebhookSignature(
        [SECRET],
        d.headers['webhook-id']!,
        Number(d.headers['webhook-timestamp']),
        d.body,
        d.headers['webhook-signature']!,
      );
      expect(ok).toBe(true);
      // One message id across retries: receivers deduplicate on it.
      expect(d.headers['webhook-id']).toBe(`${escalation!.id}:opened`);
      expect(JSON.parse(d.body)).toMatchObject({
        type: 'escalation.opened',
        escalation: { id: escalation!.id, runId: id, reason: 'dose looks high', assignee: 'pharmacist' },
      });
    }
    // Exponential backoff between the failed deliveries: 1 s, then 2 s (polled every 500 ms).
    expect(deliveries[1]!.at - deliveries[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(deliveries[2]!.at - deliveries[1]!.at).toBeGreaterThanOrEqual(2000);
    // Delivered means never again.
    await h.clock.advance(60_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(deliveries).toHaveLength(3);
  });

  it('keeps an undelivered notification through a restart and delivers it from the next process', async () => {
    failFirst = 1_000;
    const wf = defineWorkflow({ name: 'notifying', input: Input }, async (ctx) => {
      await ctx.escalate({ reason: 'call the family', blocking: false });
      return 'ok';
    });
    const first = h.vigil([wf], {
      worker: { pollMs: 60_000 },
      notifications: { webhook: { url, secret: SECRET }, pollMs: 500 },
    });
    const { id } = await first.start(wf, { patientId: 'P-2' });
    await h.result(first, id);
    await h.until(() => deliveries.length >= 1, { stepMs: 100 });
    await first.close();
    failFirst = 0;
    const before = deliveries.length;
    const second = h.vigil([wf], {
      worker: { pollMs: 60_000 },
      notifications: { webhook: { url, secret: SECRET }, pollMs: 500 },
    });
    await second.ready();
    await h.until(() => deliveries.length === before + 1, { stepMs: 250, maxMs: 120_000 });
    expect(JSON.parse(deliveries.at(-1)!.body)).toMatchObject({ escalation: { reason: 'call the family' } });
  });
});
