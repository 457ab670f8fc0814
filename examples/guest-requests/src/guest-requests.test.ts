/**
 * The guest-request example end to end, over real HTTP on a real SQLite store: the PMS's signed
 * webhooks, two of them lost, the sweep that finds what they missed, and redeliveries.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createVigil, isTerminalStatus, signedHeaders, type RunDetails, type SendResult, type Vigil } from 'vigil';
import { FakeClock, serveApi, type RunningServer } from 'vigil/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';

import { lateCheckoutWorkflow } from './late-checkout.js';
import type { GuestRequest } from './records.js';
import { requestsSweepWorkflow } from './requests-sweep.js';
import { createHotelSystems, type HotelSystems } from './systems.js';
import { guestTools } from './tools.js';
import { pmsWebhookSource } from './webhook-source.js';

type LateCheckoutOutput = Awaited<ReturnType<ReturnType<typeof lateCheckoutWorkflow>['run']>>;
type SweepOutput = Awaited<ReturnType<ReturnType<typeof requestsSweepWorkflow>['run']>>;

let dir: string;
let vigil: Vigil;
let api: RunningServer;
let hotel: HotelSystems;
const secret = `whsec_${randomBytes(32).toString('base64')}`;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-guest-requests-'));
  hotel = createHotelSystems({ env: { GUEST_LATENCY_MS: '0' } });
  const tools = guestTools(hotel);
  vigil = createVigil({
    database: join(dir, 'vigil.db'),
    workflows: [lateCheckoutWorkflow(tools), requestsSweepWorkflow(tools)],
    worker: { pollMs: 50 },
  });
  // The source as vigil.config.ts declares it, with this test's secret in its variable.
  api = await serveApi(vigil, {
    webhooks: { sources: { pms: pmsWebhookSource({ VIGIL_WEBHOOK_SECRET_PMS: secret }) } },
  });
});
afterEach(async () => {
  await api.close();
  await vigil.close({ graceMs: 0 });
  rmSync(dir, { recursive: true, force: true });
});

interface Delivery {
  status: number;
  replayed: string | null;
  body: SendResult;
}

/** What the PMS's webhook sender does: sign the body (Standard Webhooks) and POST it. */
async function deliver(request: GuestRequest, webhookId: string): Promise<Delivery> {
  const body = JSON.stringify(request);
  const res = await fetch(`${api.url}/v1/webhooks/pms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signedHeaders(secret, webhookId, nowSeconds(), body) },
    body,
  });
  return {
    status: res.status,
    replayed: res.headers.get('Idempotent-Replayed'),
    body: (await res.json()) as SendResult,
  };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function settled(id: string): Promise<RunDetails> {
  for (;;) {
    const run = (await vigil.getRun(id))!;
    if (isTerminalStatus(run.status) || run.status === 'waiting') return run;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function lateCheckoutRuns() {
  return (await vigil.listRuns({ workflow: 'guest.late-checkout' })).runs;
}

const today = new Date().toISOString().slice(0, 10);
const guest = (n: number, room: string, requestedUntil: string, loyaltyTier: GuestRequest['loyaltyTier'] = 'none') => ({
  requestId: `REQ-${n}`,
  reservationId: `RES-${n}`,
  room,
  guestName: `Guest ${n}`,
  loyaltyTier,
  checkoutDate: today,
  requestedUntil,
});

it('processes five requests exactly once: three by webhook, two lost and found by the sweep, none twice', async () => {
  const requests = [
    hotel.pms.receiveRequest(guest(1, '101', '13:00')), // free until 13:00
    hotel.pms.receiveRequest(guest(2, '102', '15:00')), // an arrival at 14:00: declined
    hotel.pms.receiveRequest(guest(3, '201', '17:00')), // past 16:00: the front desk decides
    hotel.pms.receiveRequest(guest(4, '203', '14:00', 'gold')), // webhook lost
    hotel.pms.receiveRequest(guest(5, '305', '15:30')), // webhook lost
  ];
  const [r1, r2, r3, , r5] = requests;

  // The PMS delivers three webhooks; the deliveries for requests 4 and 5 never arrive.
  const runOf = new Map<string, string>();
  for (const request of [r1!, r2!, r3!]) {
    const delivery = await deliver(request, `msg_${request.requestId}`);
    expect(delivery).toMatchObject({
      status: 202,
      replayed: null,
      body: { created: true, event: { name: 'guest.request' } },
    });
    expect(delivery.body.runs).toHaveLength(1);
    runOf.set(request.requestId, delivery.body.runs[0]!);
  }
  expect((await settled(runOf.get('REQ-1')!)).status).toBe('completed');
  expect((await settled(runOf.get('REQ-2')!)).status).toBe('completed');
  // Request 3 waits for the front desk: still undecided in the PMS when the sweep comes.
  expect((await settled(runOf.get('REQ-3')!)).status).toBe('waiting');

  // The sweep finds the three undecided requests and sends each again. The shared key makes
  // request 3's event start nothing: its run is named, not repeated.
  const sweep = await vigil.start('guest.requests-sweep', {});
  const swept = await vigil.result<SweepOutput>(sweep.id);
  expect(swept.resent.map((r) => r.requestId)).toEqual(['REQ-3', 'REQ-4', 'REQ-5']);
  expect(swept.resent[0]!.runs).toEqual([runOf.get('REQ-3')]);
  for (const { requestId, runs } of swept.resent.slice(1)) {
    expect(runs).toHaveLength(1);
    runOf.set(requestId, runs[0]!);
  }
  expect((await settled(runOf.get('REQ-4')!)).status).toBe('completed');
  expect((await settled(runOf.get('REQ-5')!)).status).toBe('completed');

  // The front desk approves request 3; its run finishes.
  const [ask] = (await vigil.escalations.list({ runId: runOf.get('REQ-3')! })).escalations;
  expect(ask).toMatchObject({ step: 'front-desk', assignee: 'front-desk', blocking: true, status: 'open' });
  await vigil.escalations.resolve(ask!.id, {
    decision: 'provide',
    value: { approved: true, checkoutAt: '17:00', feeUsd: 60, note: 'Day use until 17:00, $60.' },
    principal: 'desk-anna',
  });
  expect(await vigil.result<LateCheckoutOutput>(runOf.get('REQ-3')!)).toMatchObject({
    status: 'approved',
    decision: { checkoutAt: '17:00', feeUsd: 60, decidedBy: 'front-desk' },
  });

  // Exactly five runs, one per request, and every effect once.
  const runs = await lateCheckoutRuns();
  expect(runs.map((r) => r.idempotencyKey).sort()).toEqual(requests.map((r) => `guest-request:${r.requestId}`));
  expect(runs.every((r) => r.status === 'completed')).toBe(true);
  expect([...hotel.decisionsRecorded].sort()).toEqual(['REQ-1', 'REQ-2', 'REQ-3', 'REQ-4', 'REQ-5']);
  expect(hotel.messaging.delivered.map((m) => m.reservationId).sort()).toEqual([
    'RES-1',
    'RES-2',
    'RES-3',
    'RES-4',
    'RES-5',
  ]);
  const outcome = (id: string) => hotel.pms.request(id)!.decision;
  expect(outcome('REQ-1')).toMatchObject({ approved: true, checkoutAt: '13:00', feeUsd: 0 });
  expect(outcome('REQ-2')).toMatchObject({
    approved: false,
    checkoutAt: '11:00',
    reason: expect.stringContaining('13:15') as unknown,
  });
  expect(outcome('REQ-4')).toMatchObject({ approved: true, checkoutAt: '14:00', feeUsd: 0 });
  expect(outcome('REQ-5')).toMatchObject({ approved: true, checkoutAt: '15:30', feeUsd: 30 });

  // The PMS retries a delivery (same webhook-id, new timestamp), then re-sends request 1 as a new
  // delivery: neither starts anything new.
  const retried = await deliver(r1!, 'msg_REQ-1');
  expect(retried).toMatchObject({
    status: 200,
    replayed: 'true',
    body: { created: false, runs: [runOf.get('REQ-1')] },
  });
  const resent = await deliver(r1!, 'msg_REQ-1-resent');
  expect(resent).toMatchObject({ status: 202, body: { created: true, runs: [runOf.get('REQ-1')] } });
  // A late webhook for a request the sweep already handled is the same run too.
  expect((await deliver(r5!, 'msg_REQ-5')).body.runs).toEqual([runOf.get('REQ-5')]);

  // Nothing is left for the next sweep.
  const next = await vigil.start('guest.requests-sweep', {});
  expect((await vigil.result<SweepOutput>(next.id)).resent).toEqual([]);
  expect(await lateCheckoutRuns()).toHaveLength(5);
  expect(hotel.decisionsRecorded).toHaveLength(5);
  expect(hotel.messaging.delivered).toHaveLength(5);
});

it('refuses a delivery not signed with the PMS secret, writing nothing', async () => {
  const request = hotel.pms.receiveRequest(guest(9, '101', '12:00'));
  const body = JSON.stringify(request);
  const res = await fetch(`${api.url}/v1/webhooks/pms`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signedHeaders(`whsec_${randomBytes(32).toString('base64')}`, 'msg_forged', nowSeconds(), body),
    },
    body,
  });
  expect(res.status).toBe(401);
  expect(await res.json()).toMatchObject({ error: { code: 'webhook_signature_invalid' } });
  expect((await vigil.eventClient.list()).events).toEqual([]);
  expect(await lateCheckoutRuns()).toEqual([]);
});

it('when the front desk does not answer within 15 minutes, the standard checkout applies and the guest is told', async () => {
  const clock = new FakeClock();
  const systems = createHotelSystems({ env: { GUEST_LATENCY_MS: '0' }, clock });
  const workflow = lateCheckoutWorkflow(guestTools(systems));
  const quiet = createVigil({
    database: join(dir, 'quiet.db'),
    clock,
    workflows: [workflow],
    worker: { pollMs: 60_000 },
  });
  try {
    // A room the PMS does not know: the rules cannot decide.
    const request = systems.pms.receiveRequest({ ...guest(7, 'PH-1', '13:00'), checkoutDate: '2026-01-01' });
    const { runs } = await quiet.sendEvent('guest.request', request);
    const id = runs[0]!;
    for (let i = 0; i < 100 && (await quiet.getRun(id))!.status !== 'waiting'; i++) await clock.advance(10);
    expect((await quiet.getRun(id))!.progress.summary).toBe(
      'Late checkout in progress: 2/4 steps complete. Step "front-desk" pending front-desk review.',
    );
    await clock.advance(15 * 60_000);
    for (let i = 0; i < 100 && !isTerminalStatus((await quiet.getRun(id))!.status); i++) await clock.advance(10);
    expect(await quiet.result<LateCheckoutOutput>(id)).toMatchObject({
      status: 'declined',
      decision: { checkoutAt: '11:00', decidedBy: 'no-answer' },
    });
    expect(systems.messaging.delivered).toMatchObject([
      { reservationId: 'RES-7', text: expect.stringContaining('please ask at the desk') as unknown },
    ]);
    expect((await quiet.escalations.list({ runId: id, status: 'all' })).escalations).toMatchObject([
      { status: 'timed_out', resolvedBy: 'timeout' },
    ]);
  } finally {
    await quiet.close({ graceMs: 0 });
  }
});
