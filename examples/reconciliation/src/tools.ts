import { defineTool, RetryableError, type StepPolicyOptions } from 'vigil';
import { z } from 'zod';

import { LedgerEntry, Processor, Publication, ReconciliationReport, Settlement, Window } from './records.js';
import type { PaymentSystems } from './systems.js';

/** The reconciliation's tools, by what each one does. */
export type ReconciliationStep = 'ledger' | 'settlement' | 'report';

/** A tool's failure policy, without the fallback (the call site knows what to go on with). */
export type ToolPolicy = Omit<StepPolicyOptions, 'fallback'>;

/**
 * The failure policy of each tool. Tests override single fields through
 * {@link reconciliationTools} (no jitter, say), never the shape.
 */
export const RECONCILIATION_POLICIES = {
  ledger: { timeout: '10s', retry: { attempts: 3, initialDelay: '1s' }, effects: 'none' },
  // Settling takes minutes: poll with exponential backoff (10 s, 20 s, 40 s, 80 s, 160 s, full
  // jitter, about 5 minutes in all), well inside the hour. A processor that has not settled by
  // then is handed to payments ops, and the other processors are still reconciled.
  settlement: {
    timeout: '20s',
    retry: { attempts: 6, initialDelay: '10s', factor: 2, maxDelay: '5m', jitter: 'full' },
    effects: 'none',
    onExhausted: 'escalate',
    escalateTo: 'payments-ops',
    blocking: false,
  },
  report: { timeout: '10s', retry: { attempts: 3, initialDelay: '1s' }, effects: 'idempotent' },
} as const satisfies Record<ReconciliationStep, ToolPolicy>;

/**
 * The reconciliation's tools on `systems`, each with its policy from
 * {@link RECONCILIATION_POLICIES} and `overrides` applied over it (`retry` field by field).
 *
 * @example
 * const tools = reconciliationTools(createPaymentSystems({ clock }), { settlement: { retry: { jitter: 'none' } } });
 */
export function reconciliationTools(
  systems: PaymentSystems,
  overrides: Partial<Record<ReconciliationStep, ToolPolicy>> = {},
) {
  const policy = (step: ReconciliationStep): ToolPolicy => {
    const base: ToolPolicy = RECONCILIATION_POLICIES[step];
    const override = overrides[step] ?? {};
    return { ...base, ...override, retry: { ...base.retry, ...override.retry } };
  };
  return {
    ledgerEntries: defineTool({
      name: 'ledger.entries',
      version: '1.0.0',
      description: 'The payments the ledger booked in a window',
      input: Window,
      output: z.array(LedgerEntry),
      ...policy('ledger'),
      run: (window, { signal }) => systems.ledger.entries(window, { signal }),
    }),
    processorSettlements: defineTool({
      name: 'processor.settlements',
      version: '1.0.0',
      description: "A processor's settled transactions in a window; polled with backoff while it is still settling",
      input: z.object({ processor: Processor, window: Window }),
      output: Settlement,
      ...policy('settlement'),
      run: async ({ processor, window }, { signal }) => {
        try {
          const transactions = await systems.processors.settlements(processor, window, { signal });
          return { processor, settled: true, transactions };
        } catch (error) {
          // "Still settling" is the normal state of a fresh window: say plainly that it is worth asking again.
          if ((error as { status?: unknown }).status === 425) {
            throw new RetryableError(`${processor} is still settling ${window.from}`, { cause: error });
          }
          throw error;
        }
      },
    }),
    reportPublish: defineTool({
      name: 'report.publish',
      version: '1.0.0',
      description: "Posts the hour's reconciliation report to finance, once per idempotency key",
      input: ReconciliationReport,
      output: Publication,
      ...policy('report'),
      run: (report, { idempotencyKey, signal }) => systems.reports.publish(report, { idempotencyKey, signal }),
    }),
  };
}

export type ReconciliationTools = ReturnType<typeof reconciliationTools>;
