import { defineTool } from 'vigil';
import { z } from 'zod';

import { AdjustmentRequest, LedgerAdjustment, LedgerPayment, ProcessorTransaction } from './investigation-records.js';
import { Processor } from './records.js';
import type { PaymentSystems } from './systems.js';
import type { ToolPolicy } from './tools.js';

/**
 * The failure policy of each investigation tool. The reads change nothing, so retrying them is
 * free; the adjustment is booked once per idempotency key, so a retried attempt books nothing twice.
 */
export const INVESTIGATION_POLICIES = {
  read: { timeout: '10s', retry: { attempts: 3, initialDelay: '1s' }, effects: 'none' },
  adjust: { timeout: '10s', retry: { attempts: 3, initialDelay: '1s' }, effects: 'idempotent' },
} as const satisfies Record<'read' | 'adjust', ToolPolicy>;

/**
 * The investigation agent's tools on `systems`: two reads, each side's record of one payment,
 * and one write, a ledger adjustment. The model sees each tool's description, so it says what
 * the tool shows and what its amounts mean. Whether the write may run, and for which payment,
 * is not the tool's business: the workflow's tool access policy decides (a human approves).
 */
export function investigationTools(systems: PaymentSystems) {
  return {
    ledgerPayment: defineTool({
      name: 'ledger.payment',
      version: '1.0.0',
      description:
        "Read-only. The company ledger's record of one payment: whether it was booked, its processor and " +
        'currency, its balance in cents, and its history (the booking, then every adjustment since).',
      input: z.object({ paymentId: z.string().min(1) }),
      output: LedgerPayment,
      ...INVESTIGATION_POLICIES.read,
      run: ({ paymentId }, { signal }) => systems.ledger.payment(paymentId, { signal }),
    }),
    processorTransaction: defineTool({
      name: 'processor.transaction',
      version: '1.0.0',
      description:
        "Read-only. A payment processor's record of one payment: status (settled or not_found), the gross " +
        'amount the customer paid, the fee the processor kept and the net amount it paid out, in cents.',
      input: z.object({ processor: Processor, paymentId: z.string().min(1) }),
      output: ProcessorTransaction,
      ...INVESTIGATION_POLICIES.read,
      run: ({ processor, paymentId }, { signal }) => systems.processors.transaction(processor, paymentId, { signal }),
    }),
    ledgerAdjust: defineTool({
      name: 'ledger.adjust',
      version: '1.0.0',
      description:
        'Books an adjustment to one payment in the ledger: a signed amount in cents (negative lowers the ' +
        "payment's balance) with the reason. Changes the books: finance approves every call first.",
      input: AdjustmentRequest,
      output: LedgerAdjustment,
      ...INVESTIGATION_POLICIES.adjust,
      run: (adjustment, { idempotencyKey, signal }) => systems.ledger.adjust(adjustment, { idempotencyKey, signal }),
    }),
  };
}

export type InvestigationTools = ReturnType<typeof investigationTools>;
