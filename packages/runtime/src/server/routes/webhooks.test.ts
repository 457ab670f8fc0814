import { createHmac, randomBytes } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { Harness } from '../../../test/helpers/harness.js';
import { appOptions } from '../../../test/helpers/http-app.js';
import type { Vigil } from '../../compose.js';
import { signedHeaders } from '../../core/webhook-signature.js';
import { defineWorkflow } from '../../core/workflow.js';
import type { SendResult } from '../../runtime/event-client.js';
import { createApp } from '../app.js';
import type { ErrorBody } from '../error-response.js';
import type { WebhookSource } from '../webhook-sources.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => h.cleanup());

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const OLD = newSecret();
const NEW = newSecret();

const SOURCES: WebhookSource[] = [
  { name: 'billing', secrets: [NEW], event: null },
  { name: 'github', secrets: [NEW], event: 'repo.pushed' },
  { name: 'rotating', secrets: [OLD, NEW], event: null },
];

/** Paid invoices, as the billing sender delivers them. */
const onInvoicePaid = defineWorkflow(
  {
    name: 'billing.on-invoice-paid',
    input: z.object({ type: z.literal('invoice.paid'), data: z.object({ invoice: z.string() }) }),
    on: { event: 'billing.invoice.paid' },
  },
  async (ctx, input) => ctx.step('book', () => `booked ${input.data.invoice}`),
);

const INVOICE = '{ "type": "invoice.paid",\n  "data": { "invoice": "INV-1", "customer": "Zoë" } }';

interface Answer {
  status: number;
  replayed: string | null;
  body: SendResult & Partial<ErrorBody>;
}

/** The HTTP app with `SOURCES` on a SQLite store with a worker, and a function to deliver to it. */
async function setup(options: { maxBodyBytes?: number } = {}) {
  const vigil = h.vigil([onInvoicePaid], { worker: { pollMs: 60_000 } });
  await vigil.ready();
  const app = createApp(
    appOptions(vigil, {
      ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
      webhooks: { sources: SOURCES, clock: vigil.store.clock },
    }),
  );
  const deliver = async (source: string, body: string, headers: Record<string, string>): Promise<Answer> => {
    const res = await app.request(`/v1/webhooks/${source}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
    return {
      status: res.status,
      replayed: res.headers.get('Idempotent-Replayed'),
      body: (await res.json()) as Answer['body'],
    };
  };
  return { vigil, deliver };
}

/** Seconds since the epoch on the test's clock, `offsetMs` from now. */
const timestamp = (offsetMs = 0) => Math.floor((h.clock.now() + offsetMs) / 1000);

async function nothingStored(vigil: Vigil): Promise<void> {
  expect((await vigil.eventClient.list()).events).toEqual([]);
  expect((await vigil.listRuns()).runs).toEqual([]);
}

describe('POST /v1/webhooks/:source', () => {
  it('turns a signed delivery into an event that starts the workflow triggered on it', async () => {
    const { vigil, deliver } = await setup();
    const answer = await deliver('billing', INVOICE, signedHeaders(NEW, 'msg_1', timestamp(), INVOICE));
    expect(answer.status).toBe(202);
    expect(answer.replayed).toBeNull();
    expect(answer.body).toMatchObject({
      created: true,
      event: {
        name: 'billing.invoice.paid',
        payload: { type: 'invoice.paid', data: { invoice: 'INV-1', customer: 'Zoë' } },
        dedupeId: 'webhook:billing:msg_1',
        source: 'webhook:billing',
        // Signed by the source, with no API key: the source is who acted.
        principal: 'webhook:billing',
      },
    });
    expect(answer.body.runs).toHaveLength(1);
    expect(await h.result(vigil, answer.body.runs[0]!)).toBe('booked INV-1');
    // The run it started names the event, which names the source.
    expect(await vigil.getRun(answer.body.runs[0]!)).toMatchObject({ principal: `event:${answer.body.event.id}` });
  });

  it('names the event by the source’s configured event, else <source>.<type>, else <source>', async () => {
    const { deliver } = await setup();
    const send = async (source: string, body: string, id: string) =>
      (await deliver(source, body, signedHeaders(NEW, id, timestamp(), body))).body.event.name;
    expect(await send('github', '{"type":"push","ref":"main"}', 'a')).toBe('repo.pushed');
    expect(await send('billing', '{"type":"invoice.voided"}', 'b')).toBe('billing.invoice.voided');
    expect(await send('billing', '{"type":7}', 'c')).toBe('billing');
    expect(await send('billing', '[{"type":"x"}]', 'd')).toBe('billing');
  });

  it('refuses tampered, wrongly signed, unsigned, stale and future deliveries with 401, writing nothing', async () => {
    const { vigil, deliver } = await setup();
    const signed = (overrides: Record<string, string> = {}, secret = NEW, at = timestamp()) => ({
      ...signedHeaders(secret, 'msg_1', at, INVOICE),
      ...overrides,
    });
    const cases: Array<[string, string, Record<string, string>, string]> = [
      ['tampered body', INVOICE.replace('INV-1', 'INV-9'), signed(), 'webhook_signature_invalid'],
      ['another secret', INVOICE, signed({}, newSecret()), 'webhook_signature_invalid'],
      ['another id', INVOICE, signed({ 'webhook-id': 'msg_2' }), 'webhook_signature_invalid'],
      ['no signature', INVOICE, signed({ 'webhook-signature': '' }), 'webhook_signature_missing'],
      ['unknown scheme', INVOICE, signed({ 'webhook-signature': 'v1a,abc' }), 'webhook_signature_invalid'],
      ['6 minutes old', INVOICE, signed({}, NEW, timestamp(-6 * 60_000)), 'webhook_timestamp_stale'],
      ['6 minutes ahead', INVOICE, signed({}, NEW, timestamp(6 * 60_000)), 'webhook_timestamp_stale'],
      ['timestamp in ms', INVOICE, signed({}, NEW, h.clock.now()), 'webhook_timestamp_stale'],
      ['not a timestamp', INVOICE, signed({ 'webhook-timestamp': '2026-01-01' }), 'webhook_timestamp_invalid'],
      ['no timestamp', INVOICE, signed({ 'webhook-timestamp': '' }), 'webhook_signature_missing'],
    ];
    for (const header of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const headers: Record<string, string> = signed();
      delete headers[header];
      cases.push([`without ${header}`, INVOICE, headers, 'webhook_signature_missing']);
    }
    for (const [what, body, headers, code] of cases) {
      const answer = await deliver('billing', body, headers);
      expect({ what, status: answer.status, code: answer.body.error?.code }).toEqual({ what, status: 401, code });
      expect(answer.body.error!.message).not.toContain(NEW.slice(6, 16));
    }
    const missing = await deliver('billing', INVOICE, { 'webhook-id': 'msg_1' });
    expect(missing.body.error!.message).toBe('The delivery lacks the header(s) webhook-timestamp, webhook-signature');
    await nothingStored(vigil);
  });

  it('accepts 5 minutes of clock skew either way, and refuses a captured delivery replayed later', async () => {
    const { vigil, deliver } = await setup();
    const early = '{"type":"invoice.voided","n":1}';
    const late = '{"type":"invoice.voided","n":2}';
    expect((await deliver('billing', early, signedHeaders(NEW, 'e', timestamp(-5 * 60_000), early))).status).toBe(202);
    expect((await deliver('billing', late, signedHeaders(NEW, 'l', timestamp(5 * 60_000), late))).status).toBe(202);

    const captured = signedHeaders(NEW, 'msg_captured', timestamp(), INVOICE);
    expect((await deliver('billing', INVOICE, captured)).status).toBe(202);
    await h.clock.advance(6 * 60_000);
    const replay = await deliver('billing', INVOICE, captured);
    expect(replay).toMatchObject({ status: 401, body: { error: { code: 'webhook_timestamp_stale' } } });
    expect((await vigil.eventClient.list()).events).toHaveLength(3);
  });

  it('verifies across a secret rotation: both signatures at once, or either secret alone', async () => {
    const { deliver } = await setup();
    // What a sender rotating its secret sends: a signature by each, space-separated.
    const both = (id: string, body: string) => {
      const [old, current] = [OLD, NEW].map((secret) => signedHeaders(secret, id, timestamp(), body));
      return { ...current!, 'webhook-signature': `${old!['webhook-signature']} ${current!['webhook-signature']}` };
    };
    const body = (n: number) => `{"type":"rotated","n":${n}}`;
    expect((await deliver('rotating', body(1), both('r1', body(1)))).status).toBe(202);
    expect((await deliver('rotating', body(2), signedHeaders(OLD, 'r2', timestamp(), body(2)))).status).toBe(202);
    expect((await deliver('rotating', body(3), signedHeaders(NEW, 'r3', timestamp(), body(3)))).status).toBe(202);
    // A receiver that already dropped the old secret still accepts a sender signing with both.
    expect((await deliver('billing', body(4), both('r4', body(4)))).status).toBe(202);
    // …but not the old secret alone.
    const oldOnly = await deliver('billing', body(5), signedHeaders(OLD, 'r5', timestamp(), body(5)));
    expect(oldOnly.body.error?.code).toBe('webhook_signature_invalid');
  });

  it('answers a redelivery 200 Idempotent-Replayed with one event and one run; another body is a 409', async () => {
    const { vigil, deliver } = await setup();
    const first = await deliver('billing', INVOICE, signedHeaders(NEW, 'msg_1', timestamp(), INVOICE));
    expect(first.status).toBe(202);
    // The same delivery, and the sender's retry a minute later, signed afresh.
    const again = await deliver('billing', INVOICE, signedHeaders(NEW, 'msg_1', timestamp(), INVOICE));
    await h.clock.advance(60_000);
    const retry = await deliver('billing', INVOICE, signedHeaders(NEW, 'msg_1', timestamp(), INVOICE));
    for (const answer of [again, retry]) {
      expect(answer).toMatchObject({ status: 200, replayed: 'true', body: { created: false } });
      expect(answer.body.event.id).toBe(first.body.event.id);
      expect(answer.body.runs).toEqual(first.body.runs);
    }
    const other = '{"type":"invoice.paid","data":{"invoice":"INV-2"}}';
    const conflict = await deliver('billing', other, signedHeaders(NEW, 'msg_1', timestamp(), other));
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: 'event_conflict' } } });
    // The same webhook-id from another source is another delivery.
    expect((await deliver('rotating', INVOICE, signedHeaders(NEW, 'msg_1', timestamp(), INVOICE))).status).toBe(202);

    expect(await h.result(vigil, first.body.runs[0]!)).toBe('booked INV-1');
    expect((await vigil.eventClient.list({ name: 'billing.invoice.paid' })).events).toHaveLength(1);
    expect((await vigil.listRuns()).runs).toHaveLength(1);
  });

  it('refuses a body over the limit with 413, an unknown source with 404 and a signed non-JSON body with 400', async () => {
    const { vigil, deliver } = await setup({ maxBodyBytes: 1024 });
    const big = JSON.stringify({ type: 'invoice.paid', data: { invoice: 'x'.repeat(2000) } });
    const tooLarge = await deliver('billing', big, signedHeaders(NEW, 'big', timestamp(), big));
    expect(tooLarge).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });

    const unknown = await deliver('gitlab', INVOICE, signedHeaders(NEW, 'u', timestamp(), INVOICE));
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'webhook_source_not_found' } } });

    const notJson = 'type=invoice.paid';
    const bad = await deliver('billing', notJson, signedHeaders(NEW, 'n', timestamp(), notJson));
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    await nothingStored(vigil);
  });

  it('accepts a delivery signed by an independent implementation of the specification', async () => {
    const { vigil, deliver } = await setup();
    // Standard Webhooks, section "Signature scheme", computed here without Vigil's code.
    const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
    const at = String(timestamp());
    const key = Buffer.from(NEW.slice('whsec_'.length), 'base64');
    const mac = createHmac('sha256', key).update(`${id}.${at}.${INVOICE}`, 'utf8').digest('base64');
    const answer = await deliver('billing', INVOICE, {
      'Webhook-Id': id,
      'Webhook-Timestamp': at,
      'Webhook-Signature': `v1,${mac}`,
    });
    expect(answer.status).toBe(202);
    expect(await h.result(vigil, answer.body.runs[0]!)).toBe('booked INV-1');
  });
});
