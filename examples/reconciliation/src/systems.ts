import { systemClock, type Clock } from 'vigil';
import { recordChaosEffect } from 'vigil/testing';

import { readFaultSettings, type FaultEnvironment, type FaultSettings } from './fault-settings.js';
import type {
  AdjustmentRequest,
  LedgerAdjustment,
  LedgerLine,
  LedgerPayment,
  ProcessorTransaction,
} from './investigation-records.js';
import type {
  LedgerEntry,
  Processor,
  Publication,
  ReconciliationReport,
  SettledTransaction,
  Window,
} from './records.js';
import { hoursOf, ledgerPaymentOf, paymentsOf, settledOf, transactionOf } from './simulated-payments.js';

export { paymentsOf } from './simulated-payments.js';

/** What every request to a system may carry. */
export interface RequestOptions {
  signal?: AbortSignal;
}

/** The simulated systems the reconciliation talks to. */
export interface PaymentSystems {
  ledger: {
    entries(window: Window, options?: RequestOptions): Promise<LedgerEntry[]>;
    /** One payment's record: its booking and every adjustment since. Read-only. */
    payment(paymentId: string, options?: RequestOptions): Promise<LedgerPayment>;
    /** Books an adjustment against a payment, once per idempotency key. */
    adjust(
      adjustment: AdjustmentRequest,
      options: RequestOptions & { idempotencyKey: string },
    ): Promise<LedgerAdjustment>;
    /** Every adjustment request the ledger received, repeats included: what a test counts. */
    readonly adjustRequests: readonly (AdjustmentRequest & { idempotencyKey: string })[];
  };
  processors: {
    /**
     * The processor's settled transactions in the window.
     * @throws an HTTP 425 error while the processor is still settling the window.
     */
    settlements(processor: Processor, window: Window, options?: RequestOptions): Promise<SettledTransaction[]>;
    /** The processor's record of one payment: gross, fees kept, net paid out. Read-only. */
    transaction(processor: Processor, paymentId: string, options?: RequestOptions): Promise<ProcessorTransaction>;
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

/**
 * A simulated ledger, three payment processors and finance's report channel. The payments of
 * each hour are generated from the hour itself, so the ledger and the processors agree on them
 * without a database; `RECONCILIATION_MISMATCHES` makes the processors disagree on some, and
 * `RECONCILIATION_SETTLING` makes a processor answer "still settling" (HTTP 425) to the first
 * polls of each window. Every system answers after `RECONCILIATION_LATENCY_MS` (default 500 ms).
 * For the investigation agent, the ledger and the processors also show their record of one
 * payment (the processor's with the fee it kept), and the ledger books adjustments.
 * State lives in the returned object, so two instances never share it. Under `vigil chaos`
 * (`VIGIL_CHAOS_LEDGER_URL` in `env`), each report posted and adjustment booked is also recorded
 * in the harness's external ledger, and deduplicated through it across workers (`recordChaosEffect`).
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
  const adjustRequests: (AdjustmentRequest & { idempotencyKey: string })[] = [];
  const booked = new Map<string, LedgerAdjustment>();
  const linesOf = (paymentId: string): LedgerLine[] =>
    [...booked.values()]
      .filter((a) => a.paymentId === paymentId)
      .map((a) => ({ at: a.bookedAt, kind: 'adjusted', amountCents: a.amountCents, note: a.reason }));

  return {
    requests,
    ledger: {
      async entries(window, { signal } = {}) {
        await receive('ledger', signal);
        return hoursOf(window).flatMap((hour) => paymentsOf(hour));
      },
      async payment(paymentId, { signal } = {}) {
        await receive('ledger', signal);
        return ledgerPaymentOf(paymentId, linesOf(paymentId));
      },
      adjustRequests,
      async adjust(adjustment, { idempotencyKey, signal }) {
        await receive('ledger', signal);
        adjustRequests.push({ ...adjustment, idempotencyKey });
        const existing = booked.get(idempotencyKey);
        if (existing) return existing;
        const entry = {
          ...adjustment,
          adjustmentId: `ADJ-${adjustment.paymentId}-${booked.size + 1}`,
          bookedAt: new Date(clock.now()).toISOString(),
        };
        booked.set(idempotencyKey, entry);
        // Under `vigil chaos`, the ledger shared by every worker books it once per key.
        await recordChaosEffect(
          { effect: 'ledger.adjustment-booked', subject: adjustment.paymentId, idempotencyKey },
          env,
        );
        return entry;
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
        return hoursOf(window).flatMap((hour) =>
          settledOf(hour, faults.mismatches)
            .filter((t) => t.processor === processor)
            .map(({ paymentId, amountCents, currency }) => ({ paymentId, amountCents, currency })),
        );
      },
      async transaction(processor, paymentId, { signal } = {}) {
        const faults = await receive(processor, signal);
        return transactionOf(processor, paymentId, faults.mismatches);
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
        // Under `vigil chaos`, posted once per key across every worker, as the real channel would be.
        if (
          await recordChaosEffect({ effect: 'finance.report-posted', subject: report.window.from, idempotencyKey }, env)
        )
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
