import { isTerminalStatus, scriptedModel, type RunDetails } from 'vigil';
import { expect, it } from 'vitest';

import { HOUR, mismatchesOfHour, useInvestigation } from './investigation-harness.js';
import { investigationScript } from './investigation-model.js';

const payments = useInvestigation();
const [FEE, UNBOOKED, UNCAPTURED] = mismatchesOfHour();
const FEE_FIX = {
  paymentId: FEE!.paymentId,
  amountCents: -250,
  currency: 'USD',
  reason: 'acme-cards fee kept at settlement',
};
const READ_REASON = `Before concluding anything I will read both records of ${FEE!.paymentId}: the ledger's, and the one at acme-cards.`;
const CAUSE =
  `acme-cards kept a fee of 2.50 USD from the payout (gross ${(FEE!.ledgerCents! / 100).toFixed(2)} USD, ` +
  `net ${(FEE!.processorCents! / 100).toFixed(2)} USD), and the ledger never booked the fee.`;

const stepsOf = (run: RunDetails) => run.steps.map((s) => [s.name, s.kind, s.status]);

it('reads both records, proposes the fix, waits for finance to approve the exact arguments, then books it once', async () => {
  const { vigil, systems, model, run, investigate, finish } = payments();
  expect(FEE).toMatchObject({ kind: 'amount', processor: 'acme-cards', currency: 'USD' });
  const id = await investigate(FEE!);

  const waiting = await run(id);
  expect(waiting.status).toBe('waiting');
  expect(waiting.progress.summary).toBe(
    'Investigation in progress: 2/3 steps complete. Ledger adjustment pending finance review. Waiting for a person; no ETA.',
  );
  expect(stepsOf(waiting)).toEqual([
    ['$memory.agent:reconciliation:get:last-finding:acme-cards', 'memory', 'completed'],
    ['investigate:turn-1', 'llm', 'completed'],
    ['investigate:ledger.payment', 'tool', 'completed'],
    ['investigate:processor.transaction', 'tool', 'completed'],
    ['investigate:turn-2', 'llm', 'completed'],
    ['investigate:ledger.adjust', 'tool', 'waiting'],
  ]);
  const [ask] = (await vigil.escalations.list({ runId: id })).escalations;
  expect(ask).toMatchObject({
    kind: 'approval',
    step: 'investigate:ledger.adjust',
    assignee: 'finance',
    context: { tool: 'ledger.adjust', args: FEE_FIX },
  });
  expect(systems.ledger.adjustRequests).toEqual([]);

  await vigil.escalations.resolve(ask!.id, { decision: 'approve', note: 'fee confirmed on the acme statement' });
  const result = await finish(id);
  expect(systems.ledger.adjustRequests).toEqual([{ ...FEE_FIX, idempotencyKey: expect.any(String) as unknown }]);
  expect(result).toMatchObject({
    paymentId: FEE!.paymentId,
    proposed: FEE_FIX,
    applied: true,
    adjustment: { ...FEE_FIX, adjustmentId: `ADJ-${FEE!.paymentId}-1` },
    refusal: null,
    stopReason: 'answered',
  });
  expect(result.finding).toBe(
    `${CAUSE} Finance approved the adjustment of -2.50 USD; it is booked as ADJ-${FEE!.paymentId}-1, ` +
      'and the ledger now agrees with acme-cards.',
  );
  expect(result.costUsd).toBeGreaterThan(0);
  expect(model.calls).toBe(3);
  // The books now agree with the processor's payout.
  const ledger = await systems.ledger.payment(FEE!.paymentId);
  expect(ledger.balanceCents).toBe(FEE!.processorCents);
  expect(ledger.history.map((line) => line.kind)).toEqual(['booked', 'adjusted']);

  const done = await run(id);
  expect(done.status).toBe('completed');
  expect(done.progress.summary).toBe('Investigation completed: 3/3 steps complete.');
  expect(stepsOf(done).slice(-2)).toEqual([
    ['investigate:turn-3', 'llm', 'completed'],
    ['$memory.agent:reconciliation:set:last-finding:acme-cards', 'memory', 'completed'],
  ]);
});

it('never books a rejected adjustment: the model hears the rejection and its finding says so', async () => {
  const { vigil, systems, run, investigate, finish } = payments();
  const id = await investigate(FEE!);
  const [ask] = (await vigil.escalations.list({ runId: id })).escalations;
  await vigil.escalations.resolve(ask!.id, { decision: 'reject', note: 'acme refunds this fee next week' });
  const result = await finish(id);

  expect(systems.ledger.adjustRequests).toEqual([]);
  expect(result).toMatchObject({ proposed: FEE_FIX, applied: false, adjustment: null, stopReason: 'answered' });
  expect(result.refusal).toMatch(/^Denied: .*acme refunds this fee next week/);
  expect(result.finding).toBe(
    `${CAUSE} Finance rejected the adjustment of -2.50 USD I proposed (acme refunds this fee next week); ` +
      'the ledger is unchanged and the mismatch stays open.',
  );
  expect((await systems.ledger.payment(FEE!.paymentId)).balanceCents).toBe(FEE!.ledgerCents);
  const details = await run(id);
  expect(details.steps.find((s) => s.name === 'investigate:ledger.adjust')).toMatchObject({ status: 'failed' });
  // The investigation itself finished; the progress line shows the adjustment was not made.
  expect(details.status).toBe('completed');
  expect(details.progress.summary).toBe('Investigation completed: 2/3 steps complete.');
});

it("audits every call with the policy's decision and the model's reasoning, in a trail that verifies", async () => {
  const { vigil, investigate, finish } = payments();
  const id = await investigate(FEE!);
  const [ask] = (await vigil.escalations.list({ runId: id })).escalations;
  await vigil.escalations.resolve(ask!.id, { decision: 'approve' });
  await finish(id);
  await vigil.audit.flush();

  const decided = (await vigil.audit.list({ runId: id, type: 'policy.decided' })).entries.map((e) => e.data);
  const proposing = `${CAUSE} I propose booking -2.50 USD against ${FEE!.paymentId} to correct it.`;
  expect(decided).toEqual([
    expect.objectContaining({ tool: 'ledger.payment', decision: 'allowed', reasoning: READ_REASON }),
    expect.objectContaining({ tool: 'processor.transaction', decision: 'allowed', reasoning: READ_REASON }),
    expect.objectContaining({
      tool: 'ledger.adjust',
      decision: 'approval_requested',
      rule: 'approval.ledger.adjust',
      args: FEE_FIX,
      reasoning: proposing,
    }),
    expect.objectContaining({ tool: 'ledger.adjust', decision: 'approved', args: FEE_FIX, reasoning: proposing }),
  ]);
  expect(await vigil.audit.verify()).toMatchObject({ ok: true });
});

it('finds the cause of each kind of mismatch and proposes the matching adjustment', async () => {
  const { vigil, systems, investigate, finish } = payments();
  const unbooked = await investigate(UNBOOKED!);
  const uncaptured = await investigate(UNCAPTURED!);
  for (const id of [unbooked, uncaptured]) {
    const [ask] = (await vigil.escalations.list({ runId: id })).escalations;
    await vigil.escalations.resolve(ask!.id, { decision: 'approve' });
  }
  expect(UNBOOKED).toMatchObject({ kind: 'missing_in_ledger', ledgerCents: null, processorCents: 1999 });
  expect(await finish(unbooked)).toMatchObject({
    applied: true,
    proposed: { paymentId: UNBOOKED!.paymentId, amountCents: 1999, currency: 'USD' },
    finding: expect.stringMatching(
      /^northwind-bank settled 19\.99 USD for .+, and the ledger never booked the payment\./,
    ) as unknown,
  });
  expect(UNCAPTURED).toMatchObject({ kind: 'missing_at_processor', processorCents: null });
  expect(await finish(uncaptured)).toMatchObject({
    applied: true,
    proposed: { paymentId: UNCAPTURED!.paymentId, amountCents: -UNCAPTURED!.ledgerCents! },
    finding: expect.stringMatching(/paywave has no record of it: it was never captured\./) as unknown,
  });
  expect(systems.ledger.adjustRequests).toHaveLength(2);

  // Investigated again, the payment now agrees: nothing is proposed, and finance is not asked.
  const again = await investigate(UNBOOKED!);
  expect(await finish(again)).toMatchObject({
    applied: false,
    proposed: null,
    finding: expect.stringMatching(/agree/) as unknown,
  });
  expect((await vigil.escalations.list({ runId: again })).escalations).toEqual([]);
  expect(systems.ledger.adjustRequests).toHaveLength(2);
});

it('is started by the hourly reconciliation for each mismatch it finds, once per payment', async () => {
  const { vigil, reconcile, run, until } = payments();
  const investigations = async () => (await vigil.listRuns({ workflow: 'payments.investigate' })).runs;
  for (const input of [{}, { hour: HOUR.from }]) {
    const { id } = await vigil.start(reconcile, input);
    await until(async () => isTerminalStatus((await run(id)).status));
    expect((await run(id)).status).toBe('completed_partial');
  }
  // Three mismatches, each reported by both reconciliations of the hour: three investigations,
  // each waiting for finance to approve its adjustment.
  await until(async () => (await investigations()).filter((r) => r.status === 'waiting').length === 3);
  const approvals = (await vigil.escalations.list({ assignee: 'finance' })).escalations.filter(
    (e) => e.kind === 'approval',
  );
  expect(approvals.map((e) => (e.context as { args: { paymentId: string } }).args.paymentId).sort()).toEqual(
    [FEE, UNBOOKED, UNCAPTURED].map((m) => m!.paymentId).sort(),
  );
  expect(await investigations()).toHaveLength(3);
});

it("tells the next investigation of a processor's mismatch what the last one found (agent memory across runs)", async () => {
  const goals: string[] = [];
  const script = investigationScript();
  const model = scriptedModel({
    modelId: 'reconciliation-scripted',
    script: (request) => {
      if (request.toolResults.length === 0) goals.push(request.lastUserMessage);
      return script(request) ?? 'not an investigation';
    },
  });
  const { vigil, investigate, finish } = payments({ llm: { models: { default: model } } });
  const first = await investigate(FEE!);
  const [ask] = (await vigil.escalations.list({ runId: first })).escalations;
  await vigil.escalations.resolve(ask!.id, { decision: 'approve' });
  const { finding } = await finish(first);
  await finish(await investigate(FEE!));

  expect(goals).toHaveLength(2);
  expect(goals[0]).not.toMatch(/last acme-cards mismatch/);
  expect(goals[1]!.split('\n').at(-1)).toBe(
    `The last acme-cards mismatch investigated (${FEE!.paymentId}) was found to be: ${finding}`,
  );
});
