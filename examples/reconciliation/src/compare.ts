import type { Comparison, LedgerEntry, Mismatch, Settlement } from './records.js';

/**
 * Compares the ledger with each processor's settlement, payment by payment: the same amount and
 * currency on both sides is a match; anything else is a mismatch for a human. Entries of a
 * processor that never settled are counted as unchecked, not as mismatches: nothing is known yet.
 */
export function comparePayments(ledger: readonly LedgerEntry[], settlements: readonly Settlement[]): Comparison {
  let matched = 0;
  const mismatches: Mismatch[] = [];
  const unchecked: Comparison['unchecked'] = [];
  for (const settlement of settlements) {
    const booked = ledger.filter((entry) => entry.processor === settlement.processor);
    if (!settlement.settled) {
      unchecked.push({ processor: settlement.processor, entries: booked.length });
      continue;
    }
    const reported = new Map(settlement.transactions.map((t) => [t.paymentId, t]));
    for (const entry of booked) {
      const transaction = reported.get(entry.paymentId);
      reported.delete(entry.paymentId);
      if (transaction && transaction.amountCents === entry.amountCents && transaction.currency === entry.currency) {
        matched++;
        continue;
      }
      mismatches.push({
        paymentId: entry.paymentId,
        processor: entry.processor,
        kind: transaction ? 'amount' : 'missing_at_processor',
        ledgerCents: entry.amountCents,
        processorCents: transaction?.amountCents ?? null,
        currency: entry.currency,
      });
    }
    for (const transaction of reported.values()) {
      mismatches.push({
        paymentId: transaction.paymentId,
        processor: settlement.processor,
        kind: 'missing_in_ledger',
        ledgerCents: null,
        processorCents: transaction.amountCents,
        currency: transaction.currency,
      });
    }
  }
  return { matched, mismatches, unchecked };
}

/** One line for the person who looks into it, e.g. `PAY-2026050109-01 via acme-cards: ledger 120.00 USD, processor 117.50 USD`. */
export function describeMismatch(mismatch: Mismatch): string {
  const money = (cents: number | null): string =>
    cents === null ? 'nothing' : `${(cents / 100).toFixed(2)} ${mismatch.currency}`;
  const what = {
    amount: 'amounts differ',
    missing_at_processor: 'booked in the ledger, not settled by the processor',
    missing_in_ledger: 'settled by the processor, not booked in the ledger',
  }[mismatch.kind];
  return (
    `${mismatch.paymentId} via ${mismatch.processor}: ${what} ` +
    `(ledger ${money(mismatch.ledgerCents)}, processor ${money(mismatch.processorCents)})`
  );
}
