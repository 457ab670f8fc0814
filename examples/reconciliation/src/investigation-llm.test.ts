import { afterEach, beforeEach, expect, it } from 'vitest';

import {
  OpenAiTestServer,
  type SeenRequest,
  type TestReply,
} from '../../../packages/runtime/test/helpers/openai-test-server.js';
import { INVESTIGATION_SYSTEM } from './investigation-goal.js';
import { mismatchesOfHour, useInvestigation } from './investigation-harness.js';
import type { LedgerAdjustment, ProcessorTransaction } from './investigation-records.js';

const payments = useInvestigation();
const [FEE] = mismatchesOfHour();
const paymentId = FEE!.paymentId;

/** The tool results the server was sent, parsed. */
const toolResults = (request: SeenRequest): unknown[] =>
  request.messages.filter((m) => m.role === 'tool').map((m) => JSON.parse(m.content as string) as unknown);

/**
 * A model on the other side of real HTTP: it asks for both records, reads the fee from the
 * processor's record it was sent and proposes to book it, then reports the adjustment it was sent.
 */
function analyst(request: SeenRequest): TestReply {
  const results = toolResults(request);
  if (results.length === 0) {
    return {
      text: 'Reading both records first.',
      toolCalls: [
        { name: 'ledger_payment', args: { paymentId } },
        { name: 'processor_transaction', args: { processor: 'acme-cards', paymentId } },
      ],
    };
  }
  const transaction = results.find((r) => (r as ProcessorTransaction).status !== undefined) as ProcessorTransaction;
  if (results.length === 2) {
    const args = { paymentId, amountCents: -transaction.feeCents, currency: transaction.currency, reason: 'acme fee' };
    return { text: `acme-cards kept ${transaction.feeCents} cents.`, toolCalls: [{ name: 'ledger_adjust', args }] };
  }
  return `Booked ${(results[2] as LedgerAdjustment).adjustmentId}: the fee acme-cards kept.`;
}

let server: OpenAiTestServer;
beforeEach(async () => {
  server = await new OpenAiTestServer(analyst).start();
});
afterEach(async () => {
  await server.stop();
});

it('investigates on a real OpenAI-compatible server with the same tools, policy and approval', async () => {
  const { vigil, systems, run, investigate, finish } = payments({
    llm: { models: { default: { provider: 'openai-compatible', model: 'test-model', baseURL: server.baseURL } } },
    realPauseMs: 5,
  });
  const id = await investigate(FEE!);
  expect((await run(id)).status).toBe('waiting');
  const [ask] = (await vigil.escalations.list({ runId: id })).escalations;
  const fix = { paymentId, amountCents: -250, currency: 'USD', reason: 'acme fee' };
  expect(ask).toMatchObject({ kind: 'approval', assignee: 'finance', context: { tool: 'ledger.adjust', args: fix } });
  expect(systems.ledger.adjustRequests).toEqual([]);

  await vigil.escalations.resolve(ask!.id, { decision: 'approve' });
  const result = await finish(id);
  expect(result).toMatchObject({
    applied: true,
    proposed: fix,
    finding: `Booked ADJ-${paymentId}-1: the fee acme-cards kept.`,
  });
  expect(systems.ledger.adjustRequests).toHaveLength(1);

  // Three turns, each one request answered once; the server was offered the three tools, by
  // their provider names with their descriptions, and was sent what each tool returned.
  expect(server.answered).toHaveLength(3);
  expect(server.seen).toHaveLength(3);
  const [first, second] = server.answered;
  expect(first!.model).toBe('test-model');
  expect(first!.messages[0]).toEqual({ role: 'system', content: INVESTIGATION_SYSTEM });
  const offered = (first!.body['tools'] as { function: { name: string; description: string } }[]).map(
    (t) => t.function,
  );
  expect(offered.map((t) => t.name)).toEqual(['ledger_payment', 'processor_transaction', 'ledger_adjust']);
  expect(offered[2]!.description).toMatch(/finance approves every call first/);
  expect(toolResults(second!)).toEqual([
    expect.objectContaining({ paymentId, found: true, balanceCents: FEE!.ledgerCents }),
    expect.objectContaining({ paymentId, status: 'settled', feeCents: 250, netCents: FEE!.processorCents }),
  ]);
  expect((await run(id)).steps.filter((s) => s.kind === 'llm').map((s) => s.llm?.model)).toEqual([
    'test-model',
    'test-model',
    'test-model',
  ]);
});
