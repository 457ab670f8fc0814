import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createVigil, isTerminalStatus, type RunDetails, type Vigil } from 'vigil';
import { FakeClock } from 'vigil/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';

import { reconciliation, reconciliationWorkflow } from './reconciliation.js';
import { paymentsOf, createPaymentSystems } from './systems.js';
import { RECONCILIATION_POLICIES, reconciliationTools, type ReconciliationStep, type ToolPolicy } from './tools.js';

type Output = Awaited<ReturnType<ReturnType<typeof reconciliationWorkflow>['run']>>;

/** The policies with jitter off, so each backoff is exactly 10 s, 20 s, 40 s… */
const NO_JITTER = Object.fromEntries(
  Object.keys(RECONCILIATION_POLICIES).map((step) => [step, { retry: { jitter: 'none' } }]),
) as Record<ReconciliationStep, ToolPolicy>;

let dir: string;
const opened: Vigil[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-reconciliation-'));
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((vigil) => vigil.close({ graceMs: 0 })));
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A Vigil on SQLite in a temp dir and simulated payment systems with the fault variables `env`,
 * all on one FakeClock (starting 2026-01-01T00:00Z): a 5-minute backoff takes no real time.
 */
function payments(env: Record<string, string> = {}) {
  const clock = new FakeClock();
  const systems = createPaymentSystems({ env: { RECONCILIATION_LATENCY_MS: '0', ...env }, clock });
  const workflow = reconciliationWorkflow(reconciliationTools(systems, NO_JITTER));
  const vigil = createVigil({
    database: join(dir, 'vigil.db'),
    clock,
    workflows: [workflow],
    worker: { pollMs: 60_000 },
  });
  opened.push(vigil);
  const run = async (id: string): Promise<RunDetails> => (await vigil.getRun(id))!;
  /** Moves the clock in 1 s slices until `check` holds. */
  const until = async (check: () => Promise<boolean>, maxMs = 900_000): Promise<void> => {
    for (let waited = 0; waited <= maxMs; waited += 1000) {
      if (await check()) return;
      await clock.advance(1000);
    }
    throw new Error(`condition not met within ${maxMs} ms of fake time`);
  };
  const reconcile = async (input: { hour?: string } = {}): Promise<{ id: string; output: Output }> => {
    const { id } = await vigil.start(workflow, input);
    await until(async () => isTerminalStatus((await run(id)).status));
    return { id, output: await vigil.result<Output>(id) };
  };
  return { clock, systems, workflow, vigil, run, until, reconcile };
}

const step = (run: RunDetails, name: string) => run.steps.find((s) => s.name === name)!;
const LAST_HOUR = { from: '2025-12-31T23:00:00.000Z', to: '2026-01-01T00:00:00.000Z' };
const lastHourPayments = paymentsOf(Date.parse(LAST_HOUR.from));

it('is declared to run hourly with jitter, skipping overlaps and catching up the latest missed hour', () => {
  expect(reconciliation.schedule?.spec).toMatchObject({
    cron: '@hourly',
    jitterMs: 300_000,
    overlap: 'skip',
    catchUp: 'latest',
  });
  expect(reconciliation.flow.concurrency).toBe(1);
});

it('reconciles the last whole hour when every processor has settled and agrees with the ledger', async () => {
  const { systems, run, reconcile } = payments();
  const { id, output } = await reconcile();
  expect(output).toMatchObject({
    window: LAST_HOUR,
    ledgerEntries: lastHourPayments.length,
    matched: lastHourPayments.length,
    mismatches: 0,
    unsettled: [],
    escalations: [],
    reportId: expect.stringMatching(/^REC-2025-12-31T23-\d+$/) as unknown,
  });
  const details = await run(id);
  expect(details.status).toBe('completed');
  expect(details.progress.summary).toBe('Reconciliation completed: 6/6 steps complete.');
  expect(systems.requests).toEqual({ ledger: 1, 'acme-cards': 1, 'northwind-bank': 1, paywave: 1, reports: 1 });
  expect(systems.reports.published).toHaveLength(1);
});

it('polls a processor that is still settling with exponential backoff, and hands each mismatch to finance without waiting', async () => {
  const { vigil, systems, run, until, workflow } = payments({ RECONCILIATION_FAULTS: 'demo' });
  const { id } = await vigil.start(workflow, {});

  // While Paywave is polled again, the others are done and the progress line says so.
  await until(async () => step(await run(id), 'settlement:paywave')?.status === 'retrying');
  expect((await run(id)).progress.summary).toBe(
    'Reconciliation in progress: 3/6 steps complete. Paywave settlement retrying after 1 failed attempt.',
  );

  await until(async () => isTerminalStatus((await run(id)).status));
  const output = await vigil.result<Output>(id);
  const details = await run(id);
  // Two answers of "still settling", each followed by a durable backoff (10 s, then 20 s).
  const polls = step(details, 'settlement:paywave');
  expect(polls.failedAttempts.map((a) => [a.attempt, a.error?.message, a.delayMs])).toEqual([
    [1, 'paywave is still settling 2025-12-31T23:00:00.000Z', 10_000],
    [2, 'paywave is still settling 2025-12-31T23:00:00.000Z', 20_000],
  ]);
  expect(polls).toMatchObject({ status: 'completed', attempts: 3 });
  expect(systems.requests.paywave).toBe(3);

  // A fee taken off one payment, and a payment the ledger never booked.
  const [first] = lastHourPayments;
  expect(output).toMatchObject({ matched: lastHourPayments.length - 1, mismatches: 2, unsettled: [] });
  const escalations = [...details.escalations].sort((a, b) => a.seq - b.seq);
  expect(escalations).toMatchObject([
    { step: `mismatch:${first!.paymentId}`, assignee: 'finance', blocking: false, status: 'open' },
    { step: `mismatch:${lastHourPayments[1]!.paymentId}-X`, assignee: 'finance', blocking: false, status: 'open' },
  ]);
  const money = (cents: number) => `${(cents / 100).toFixed(2)} ${first!.currency}`;
  expect(escalations[0]!.reason).toBe(
    `${first!.paymentId} via acme-cards: amounts differ ` +
      `(ledger ${money(first!.amountCents)}, processor ${money(first!.amountCents - 250)})`,
  );
  expect(escalations[1]!.reason).toBe(
    `${lastHourPayments[1]!.paymentId}-X via northwind-bank: settled by the processor, not booked in the ledger ` +
      '(ledger nothing, processor 19.99 USD)',
  );
  expect(output.escalations).toEqual(escalations.map((e) => e.id));
  // The run did not wait for finance: it finished, and says what is still open.
  expect(details.status).toBe('completed_partial');
  expect(details.summary).toBe(
    `Reconciliation 100% complete; mismatch:${first!.paymentId} awaiting finance review; ` +
      `mismatch:${lastHourPayments[1]!.paymentId}-X awaiting finance review`,
  );
  expect(systems.reports.published).toMatchObject([{ mismatches: 2, escalations: output.escalations }]);
});

it('hands a processor that never settles to payments ops after 6 polls, and reconciles the rest', async () => {
  const { systems, run, reconcile } = payments({ RECONCILIATION_SETTLING: 'northwind-bank:1000' });
  const { id, output } = await reconcile();
  const details = await run(id);
  const polls = step(details, 'settlement:northwind-bank');
  expect(polls).toMatchObject({ status: 'escalated', attempts: 6 });
  expect(polls.failedAttempts.map((a) => a.delayMs)).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, null]);
  expect(systems.requests['northwind-bank']).toBe(6);
  const viaNorthwind = lastHourPayments.filter((p) => p.processor === 'northwind-bank').length;
  expect(output).toMatchObject({
    matched: lastHourPayments.length - viaNorthwind,
    mismatches: 0,
    unsettled: ['northwind-bank'],
  });
  expect(details.escalations).toMatchObject([
    { step: 'settlement:northwind-bank', kind: 'exhausted', assignee: 'payments-ops', blocking: false },
  ]);
  expect(details.status).toBe('completed_partial');
  expect(details.summary).toBe('Reconciliation 83% complete; settlement:northwind-bank awaiting payments-ops review');
});

it('reconciles a given hour for a backfill, and refuses one that is not the start of an hour', async () => {
  const { vigil, workflow, reconcile } = payments();
  const { output } = await reconcile({ hour: '2025-12-30T09:00:00Z' });
  expect(output.window).toEqual({ from: '2025-12-30T09:00:00.000Z', to: '2025-12-30T10:00:00.000Z' });
  expect(output.ledgerEntries).toBe(paymentsOf(Date.parse('2025-12-30T09:00:00Z')).length);
  await expect(vigil.start(workflow, { hour: '2025-12-30T09:30:00Z' })).rejects.toThrow(
    /input\.hour: hour must be the start of an hour/,
  );
});
