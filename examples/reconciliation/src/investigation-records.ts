import { z } from 'zod';

import { Mismatch, Processor, Window } from './records.js';

/**
 * What the investigation agent reads and writes, as schemas: the ledger's and a processor's
 * record of one payment, and an adjustment booked to the ledger.
 */

/** One mismatch as the hourly reconciliation found it, with the hour it reconciled. */
export const InvestigationInput = Mismatch.extend({ window: Window });
export type InvestigationInput = z.infer<typeof InvestigationInput>;

/** A line of a payment's ledger history: the booking itself, then any adjustments. */
export const LedgerLine = z.object({
  at: z.iso.datetime(),
  kind: z.enum(['booked', 'adjusted']),
  amountCents: z.number().int(),
  note: z.string(),
});
export type LedgerLine = z.infer<typeof LedgerLine>;

/** The ledger's record of one payment; `found: false` (and no history) when it never booked it. */
export const LedgerPayment = z.object({
  paymentId: z.string(),
  found: z.boolean(),
  processor: Processor.nullable(),
  currency: z.string().length(3).nullable(),
  /** What the ledger holds for the payment now: the booking plus its adjustments. */
  balanceCents: z.number().int().nullable(),
  history: z.array(LedgerLine),
});
export type LedgerPayment = z.infer<typeof LedgerPayment>;

/**
 * A processor's record of one payment: what the customer paid (`grossCents`), the fees it kept,
 * and what it paid out (`netCents`, the amount in its settlement). `not_found`: it never saw it.
 */
export const ProcessorTransaction = z.object({
  paymentId: z.string(),
  processor: Processor,
  status: z.enum(['settled', 'not_found']),
  grossCents: z.number().int().nullable(),
  feeCents: z.number().int(),
  netCents: z.number().int().nullable(),
  currency: z.string().length(3).nullable(),
});
export type ProcessorTransaction = z.infer<typeof ProcessorTransaction>;

/** An adjustment to book against one payment: a signed amount in cents, and why. */
export const AdjustmentRequest = z.object({
  paymentId: z.string().min(1),
  amountCents: z
    .number()
    .int()
    .refine((cents) => cents !== 0, 'amountCents must not be 0'),
  currency: z.string().length(3),
  reason: z.string().min(1).max(500),
});
export type AdjustmentRequest = z.infer<typeof AdjustmentRequest>;

/** An adjustment as the ledger booked it. */
export const LedgerAdjustment = AdjustmentRequest.extend({ adjustmentId: z.string(), bookedAt: z.iso.datetime() });
export type LedgerAdjustment = z.infer<typeof LedgerAdjustment>;
