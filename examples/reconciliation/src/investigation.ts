import { defineWorkflow, type ToolAccessPolicyOptions } from 'vigil';

import { INVESTIGATION_SYSTEM, investigationGoal, type PastFinding } from './investigation-goal.js';
import { InvestigationInput, type AdjustmentRequest, type LedgerAdjustment } from './investigation-records.js';
import { investigationTools, type InvestigationTools } from './investigation-tools.js';
import { paymentSystems } from './reconciliation.js';
import { MISMATCH_EVENT } from './records.js';

/**
 * What the agent may do. The reads are free; the one write, `ledger.adjust`, is confined to the
 * run's own payment and currency, and every call waits for finance to approve its exact
 * arguments. Enforced outside the model: a call outside it never reaches the ledger, and the
 * model is told why.
 */
export const INVESTIGATION_POLICY = {
  tools: ['ledger.payment', 'processor.transaction', 'ledger.adjust'],
  constraints: { 'ledger.adjust': { paymentId: '$input.paymentId', currency: '$input.currency' } },
  approval: { 'ledger.adjust': { assignee: 'finance' } },
} satisfies ToolAccessPolicyOptions;

/** What an investigation ends with. */
export interface InvestigationResult {
  paymentId: string;
  /** The agent's answer: the cause it found and what became of its proposal. */
  finding: string;
  /** The adjustment it last proposed, or null if it proposed none. */
  proposed: AdjustmentRequest | null;
  /** Whether that adjustment was booked (finance approved it and the ledger took it). */
  applied: boolean;
  adjustment: LedgerAdjustment | null;
  /** Why it was not booked: what the model was told (`Denied: …` for a rejection). */
  refusal: string | null;
  stopReason: string;
  /** What the model's turns cost, USD. */
  costUsd: number;
}

/**
 * One mismatch investigated by an agent that chooses its own tools: it reads the ledger's and
 * the processor's record of the payment, explains the difference, and may propose one ledger
 * adjustment, which runs only once finance approves it (the run waits durably until then). A
 * rejection reaches the model as an error, and its answer says so. The agent's finding is kept in
 * the `reconciliation` agent's memory per processor, and the next investigation of that
 * processor's mismatch is told it.
 */
export function investigationWorkflow(tools: InvestigationTools) {
  return defineWorkflow(
    {
      name: 'payments.investigate',
      version: 1,
      title: 'Investigation',
      description: 'An agent investigates one reconciliation mismatch and proposes a ledger adjustment for finance',
      input: InvestigationInput,
      // Started by the reconciliation for each mismatch; one investigation per payment, however
      // often it is reported (a backfill of the same hour reports it again).
      on: { event: MISMATCH_EVENT, idempotencyKey: (mismatch) => `investigate:${mismatch.paymentId}` },
      policy: INVESTIGATION_POLICY,
      steps: [
        { name: 'investigate:ledger.payment', title: 'Ledger record' },
        { name: 'investigate:processor.transaction', title: 'Processor record' },
        { name: 'investigate:ledger.adjust', title: 'Ledger adjustment' },
      ],
    },
    async (ctx, input): Promise<InvestigationResult> => {
      // What the agent learned last time about this processor, across runs (durable agent memory).
      const memory = ctx.memory.agent('reconciliation');
      const pastKey = `last-finding:${input.processor}`;
      const past = await memory.get<PastFinding>(pastKey);
      const result = await ctx.agent({
        name: 'investigate',
        system: INVESTIGATION_SYSTEM,
        goal: investigationGoal(input, past),
        tools: [tools.ledgerPayment, tools.processorTransaction, tools.ledgerAdjust],
        maxTurns: 6,
        // A few cents covers an investigation many times over; past it, finance decides.
        budget: { usd: 0.25 },
        escalateTo: 'finance',
      });
      const proposal = result.toolCalls.findLast((call) => call.tool === tools.ledgerAdjust.name);
      const applied = proposal?.outcome === 'ok';
      if (result.stopReason === 'answered') {
        await memory.set(pastKey, { paymentId: input.paymentId, finding: result.text.slice(0, 1000) });
      }
      ctx.log.info('mismatch investigated', { paymentId: input.paymentId, stopReason: result.stopReason, applied });
      return {
        paymentId: input.paymentId,
        finding: result.text,
        proposed: (proposal?.args as AdjustmentRequest | undefined) ?? null,
        applied,
        adjustment: applied ? (proposal.result as LedgerAdjustment) : null,
        refusal: proposal?.error ?? null,
        stopReason: result.stopReason,
        costUsd: result.costUsd,
      };
    },
  );
}

/** This process's investigation tools, on the reconciliation's simulated systems. */
export const investigationToolset = investigationTools(paymentSystems);

/** The investigation `npm start` serves. */
export const investigation = investigationWorkflow(investigationToolset);
