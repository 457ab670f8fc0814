import { z } from 'zod';

/**
 * What the reconciliation reads and writes, as schemas: each tool checks its result against one,
 * and a human's answer to an escalation (`provide`) is checked the same way.
 */

/** The payment processors the books are reconciled against. */
export const PROCESSORS = ['acme-cards', 'northwind-bank', 'paywave'] as const;
export const Processor = z.enum(PROCESSORS);
export type Processor = z.infer<typeof Processor>;

/** An hour of payments, `[from, to)`, as ISO 8601 instants. */
export const Window = z.object({ from: z.iso.datetime(), to: z.iso.datetime() });
export type Window = z.infer<typeof Window>;

/** A payment as the company's own ledger books it. */
export const LedgerEntry = z.object({
  paymentId: z.string(),
  processor: Processor,
  amountCents: z.number().int(),
  currency: z.string().length(3),
  bookedAt: z.iso.datetime(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

/** A payment as a processor settled it. */
export const SettledTransaction = z.object({
  paymentId: z.string(),
  amountCents: z.number().int(),
  currency: z.string().length(3),
});
export type SettledTransaction = z.infer<typeof SettledTransaction>;

/**
 * A processor's settlement report for a window. `settled: false` is what the reconciliation goes
 * on with when the processor never finished settling (payments ops has been asked to look).
 */
export const Settlement = z.object({
  processor: Processor,
  settled: z.boolean(),
  transactions: z.array(SettledTransaction),
});
export type Settlement = z.infer<typeof Settlement>;

export const MismatchKind = z.enum(['amount', 'missing_at_processor', 'missing_in_ledger']);
export type MismatchKind = z.infer<typeof MismatchKind>;

/** One payment the ledger and a processor disagree on. */
export const Mismatch = z.object({
  paymentId: z.string(),
  processor: Processor,
  kind: MismatchKind,
  /** The ledger's and the processor's amounts, null where that side has no such payment. */
  ledgerCents: z.number().int().nullable(),
  processorCents: z.number().int().nullable(),
  currency: z.string().length(3),
});
export type Mismatch = z.infer<typeof Mismatch>;

/**
 * The event the reconciliation sends for each mismatch, with the mismatch and its window as the
 * payload: it starts an investigation (`payments.investigate`) of the payment.
 */
export const MISMATCH_EVENT = 'payment.mismatch';

/** What comparing the ledger with the settlements found. */
export const Comparison = z.object({
  matched: z.number().int(),
  mismatches: z.array(Mismatch),
  /** Processors whose settlement never came, and how many ledger entries could not be checked. */
  unchecked: z.array(z.object({ processor: Processor, entries: z.number().int() })),
});
export type Comparison = z.infer<typeof Comparison>;

/** The hour's report as published to finance. */
export const ReconciliationReport = z.object({
  window: Window,
  ledgerEntries: z.number().int(),
  matched: z.number().int(),
  mismatches: z.number().int(),
  unsettled: z.array(Processor),
  escalations: z.array(z.string()),
});
export type ReconciliationReport = z.infer<typeof ReconciliationReport>;

export const Publication = z.object({ reportId: z.string(), channel: z.string() });
export type Publication = z.infer<typeof Publication>;
