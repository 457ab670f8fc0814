import { describeMismatch } from './compare.js';
import type { InvestigationInput } from './investigation-records.js';
import type { Processor } from './records.js';

/** The investigation agent's instructions: what to read, when to propose a fix, how to answer. */
export const INVESTIGATION_SYSTEM = [
  "You are a payments analyst. You investigate one mismatch between the company's ledger and a payment",
  'processor, using the tools. Read both records of the payment before you conclude. Amounts are in cents.',
  'If the records show the ledger is wrong, propose exactly one adjustment with ledger_adjust, for this',
  'payment only and in its currency; finance approves or rejects it. If they do not explain the',
  'difference, propose nothing. Finish with a short finding: the cause, the adjustment you proposed, and',
  'whether it was applied or rejected (with the reason given).',
].join('\n');

const OPENING = 'Investigate this reconciliation mismatch: ';

/** What the agent remembers of the last investigation of a processor's mismatch. */
export interface PastFinding {
  paymentId: string;
  finding: string;
}

/**
 * The agent's goal for one mismatch; its first line names the payment and the processor. `past`,
 * the finding of the last investigation of this processor, is offered as context, not as the answer.
 */
export function investigationGoal(input: InvestigationInput, past?: PastFinding): string {
  const lines = [
    `${OPENING}${describeMismatch(input)}.`,
    `The hourly reconciliation of ${input.window.from} – ${input.window.to} found it.`,
  ];
  if (past) {
    lines.push(
      `The last ${input.processor} mismatch investigated (${past.paymentId}) was found to be: ${past.finding}`,
    );
  }
  return lines.join('\n');
}

/** The payment and processor of an investigation goal, or undefined for any other text. */
export function mismatchOfGoal(text: string): { paymentId: string; processor: Processor } | undefined {
  if (!text.startsWith(OPENING)) return undefined;
  const match = /^(\S+) via (acme-cards|northwind-bank|paywave):/.exec(text.slice(OPENING.length));
  return match ? { paymentId: match[1]!, processor: match[2] as Processor } : undefined;
}
