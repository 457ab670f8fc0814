import type { LedgerLine, LedgerPayment, ProcessorTransaction } from './investigation-records.js';
import { PROCESSORS, type LedgerEntry, type Processor, type SettledTransaction, type Window } from './records.js';

/**
 * The simulated payments: generated from the hour itself, so the ledger and the processors agree
 * on them without a database, and the `mismatches` first payments of each hour disagree.
 */

export const HOUR_MS = 3_600_000;
/** What a processor keeps of a payment it takes a fee on (the first kind of disagreement). */
const FEE_CENTS = 250;

/** A payment as a processor settled it, with the fee it kept (0 for most). */
interface Settled extends SettledTransaction {
  processor: Processor;
  feeCents: number;
}

/** The starts of the whole hours in `[from, to)`. */
export function hoursOf(window: Window): number[] {
  const hours: number[] = [];
  const to = Date.parse(window.to);
  for (let hour = Math.floor(Date.parse(window.from) / HOUR_MS) * HOUR_MS; hour < to; hour += HOUR_MS) {
    hours.push(hour);
  }
  return hours;
}

/** Deterministic pseudo-random numbers from a seed, so the example needs no database. */
function seeded(seed: number, salt: number): number {
  let x = (seed / HOUR_MS) * 2654435761 + salt * 40503;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The payments the ledger booked in the hour starting at `hour`. */
export function paymentsOf(hour: number): LedgerEntry[] {
  const count = 8 + (seeded(hour, 0) % 5);
  const stamp = new Date(hour).toISOString().slice(0, 13).replace(/[-T]/g, '');
  return Array.from({ length: count }, (_, i) => ({
    paymentId: `PAY-${stamp}-${String(i + 1).padStart(2, '0')}`,
    processor: PROCESSORS[i % PROCESSORS.length]!,
    amountCents: 500 + (seeded(hour, i + 1) % 50_000),
    currency: i % 4 === 3 ? 'EUR' : 'USD',
    bookedAt: new Date(hour + Math.floor((i * HOUR_MS) / count)).toISOString(),
  }));
}

/**
 * What the processors settled of the hour: the ledger's payments, except the first `mismatches`
 * disagreements, which take turns: a processor fee taken off the amount, a payment the ledger
 * never booked, a payment the processor never saw. Each lands on a different processor.
 */
export function settledOf(hour: number, mismatches: number): Settled[] {
  const payments = paymentsOf(hour);
  let settled: Settled[] = payments.map(({ paymentId, processor, amountCents, currency }) => ({
    processor,
    paymentId,
    amountCents,
    currency,
    feeCents: 0,
  }));
  for (let k = 0; k < Math.min(mismatches, payments.length); k++) {
    const target = payments[k]!;
    if (k % 3 === 0) {
      settled = settled.map((t) =>
        t.paymentId === target.paymentId ? { ...t, amountCents: t.amountCents - FEE_CENTS, feeCents: FEE_CENTS } : t,
      );
    } else if (k % 3 === 1) {
      const paymentId = `${target.paymentId}-X`;
      settled.push({ processor: target.processor, paymentId, amountCents: 1999, currency: 'USD', feeCents: 0 });
    } else {
      settled = settled.filter((t) => t.paymentId !== target.paymentId);
    }
  }
  return settled;
}

/** The hour a payment id names (`PAY-2026050109-01` → 09:00 on 1 May 2026); undefined if none. */
export function hourOfPayment(paymentId: string): number | undefined {
  const match = /^PAY-(\d{4})(\d{2})(\d{2})(\d{2})-/.exec(paymentId);
  if (!match) return undefined;
  const [, y, m, d, h] = match.map(Number) as [number, number, number, number, number];
  return Date.UTC(y, m - 1, d, h);
}

/** The ledger's record of a payment, with `adjustments` (lines booked since) after the booking. */
export function ledgerPaymentOf(paymentId: string, adjustments: readonly LedgerLine[]): LedgerPayment {
  const hour = hourOfPayment(paymentId);
  const entry = hour === undefined ? undefined : paymentsOf(hour).find((p) => p.paymentId === paymentId);
  const booked: LedgerLine[] = entry
    ? [{ at: entry.bookedAt, kind: 'booked', amountCents: entry.amountCents, note: `captured via ${entry.processor}` }]
    : [];
  const history = [...booked, ...adjustments];
  return {
    paymentId,
    found: entry !== undefined,
    processor: entry?.processor ?? null,
    currency: entry?.currency ?? null,
    balanceCents: history.length ? history.reduce((sum, line) => sum + line.amountCents, 0) : null,
    history,
  };
}

/** `processor`'s record of a payment, as its settlement of the payment's hour has it. */
export function transactionOf(processor: Processor, paymentId: string, mismatches: number): ProcessorTransaction {
  const hour = hourOfPayment(paymentId);
  const settled =
    hour === undefined
      ? undefined
      : settledOf(hour, mismatches).find((t) => t.processor === processor && t.paymentId === paymentId);
  if (!settled) {
    return { paymentId, processor, status: 'not_found', grossCents: null, feeCents: 0, netCents: null, currency: null };
  }
  return {
    paymentId,
    processor,
    status: 'settled',
    grossCents: settled.amountCents + settled.feeCents,
    feeCents: settled.feeCents,
    netCents: settled.amountCents,
    currency: settled.currency,
  };
}
