import { systemClock, type Clock } from 'vigil';

import { readFaultSettings, type FaultEnvironment, type FaultSettings } from './fault-settings.js';
import {
  PROCESSORS,
  type LedgerEntry,
  type Processor,
  type Publication,
  type ReconciliationReport,
  type SettledTransaction,
  type Window,
} from './records.js';

/** What every request to a system may carry. */
export interface RequestOptions {
  signal?: AbortSignal;
}

/** The simulated systems the reconciliation talks to. */
export interface PaymentSystems {
  ledger: { entries(window: Window, options?: RequestOptions): Promise<LedgerEntry[]> };
  processors: {
    /**
     * The processor's settled transactions in the window.
     * @throws an HTTP 425 error while the processor is still settling the window.
     */
    settlements(processor: Processor, window: Window, options?: RequestOptions): Promise<SettledTransaction[]>;
  };
  reports: {
    /** Posts the report to finance's channel, once per idempotency key. */
    publish(report: ReconciliationReport, options: RequestOptions & { idempotencyKey: string }): Promise<Publication>;
    /** Reports actually posted, once each. */
    readonly published: readonly ReconciliationReport[];
  };
  /** Requests each system received, failed ones included: what a test counts. */
  readonly requests: Readonly<Record<'ledger' | Processor | 'reports', number>>;
}

export interface PaymentSystemsOptions {
  /** Where the fault variables are read, at every request. Default `process.env`. */
  env?: FaultEnvironment;
  /** What the systems' latency waits on. Tests pass the runtime's FakeClock. */
  clock?: Clock;
}

const HOUR_MS = 3_600_000;

/**
 * A simulated ledger, three payment processors and finance's report channel. The payments of
 * each hour are generated from the hour itself, so the ledger and the processors agree on them
 * without a database; `RECONCILIATION_MISMATCHES` makes the processors disagree on some, and
 * `RECONCILIATION_SETTLING` makes a processor answer "still settling" (HTTP 425) to the first
 * polls of each window. Every system answers after `RECONCILIATION_LATENCY_MS` (default 500 ms).
 * State lives in the returned object, so two instances never share it.
 */
export function createPaymentSystems(options: PaymentSystemsOptions = {}): PaymentSystems {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const requests = { ledger: 0, 'acme-cards': 0, 'northwind-bank': 0, paywave: 0, reports: 0 };
  const receive = async (system: keyof typeof requests, signal: AbortSignal | undefined): Promise<FaultSettings> => {
    requests[system]++;
    const faults = readFaultSettings(env);
    if (faults.latencyMs > 0) await clock.sleep(faults.latencyMs, signal);
    signal?.throwIfAborted();
    return faults;
  };
  const polls = new Map<string, number>();
  const posted = new Map<string, Publication>();
  const published: ReconciliationReport[] = [];

  return {
    requests,
    ledger: {
      async entries(window, { signal } = {}) {
        await receive('ledger', signal);
        return hoursOf(window).flatMap((hour) => paymentsOf(hour));
      },
    },
    processors: {
      async settlements(processor, window, { signal } = {}) {
        const faults = await receive(processor, signal);
        const key = `${processor}:${window.from}:${window.to}`;
        const poll = (polls.get(key) ?? 0) + 1;
        polls.set(key, poll);
        if (poll <= faults.settlingPolls[processor]) {
          throw httpError(`${processor} answered 425 Too Early: settlement of ${window.from} still in progress`, 425);
        }
        return hoursOf(window).flatMap((hour) => settledBy(processor, hour, faults.mismatches));
      },
    },
    reports: {
      published,
      async publish(report, { idempotencyKey, signal }) {
        await receive('reports', signal);
        const existing = posted.get(idempotencyKey);
        if (existing) return existing;
        const publication = {
          reportId: `REC-${report.window.from.slice(0, 13)}-${posted.size + 1}`,
          channel: '#finance-recon',
        };
        posted.set(idempotencyKey, publication);
        published.push(report);
        return publication;
      },
    },
  };
}

/** An HTTP client's error, as a real processor's SDK would throw it. */
function httpError(message: string, status: number): Error {
  return Object.assign(new Error(message), { status });
}

/** The starts of the whole hours in `[from, to)`. */
function hoursOf(window: Window): number[] {
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
 * What `processor` settled of the hour: the ledger's payments through it, except the first
 * `mismatches` disagreements, which take turns: a processor fee taken off the amount, a payment
 * the ledger never booked, a payment the processor never saw. Each lands on a different processor.
 */
function settledBy(processor: Processor, hour: number, mismatches: number): SettledTransaction[] {
  const payments = paymentsOf(hour);
  let settled = payments.map(({ paymentId, processor: p, amountCents, currency }) => ({
    p,
    paymentId,
    amountCents,
    currency,
  }));
  for (let k = 0; k < Math.min(mismatches, payments.length); k++) {
    const target = payments[k]!;
    if (k % 3 === 0) {
      settled = settled.map((t) => (t.paymentId === target.paymentId ? { ...t, amountCents: t.amountCents - 250 } : t));
    } else if (k % 3 === 1) {
      settled.push({ p: target.processor, paymentId: `${target.paymentId}-X`, amountCents: 1999, currency: 'USD' });
    } else {
      settled = settled.filter((t) => t.paymentId !== target.paymentId);
    }
  }
  return settled
    .filter((t) => t.p === processor)
    .map(({ paymentId, amountCents, currency }) => ({ paymentId, amountCents, currency }));
}
