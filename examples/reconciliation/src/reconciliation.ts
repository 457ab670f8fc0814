import { defineWorkflow } from 'vigil';
import { z } from 'zod';

import { comparePayments, describeMismatch } from './compare.js';
import { MISMATCH_EVENT, PROCESSORS, type Processor, type Window } from './records.js';
import { createPaymentSystems } from './systems.js';
import { reconciliationTools, type ReconciliationTools } from './tools.js';

const HOUR_MS = 3_600_000;

export const ReconciliationInput = z.object({
  /**
   * The start of the hour to reconcile, e.g. `2026-05-01T09:00:00Z`, for a backfill. Default:
   * the last whole hour before the slot the schedule started the run for (`ctx.scheduledAt`), so
   * a run that catches up after downtime reconciles the hour it was meant for; for a run started
   * by hand, the last whole hour before it started.
   */
  hour: z.iso
    .datetime()
    .refine((hour) => Date.parse(hour) % HOUR_MS === 0, 'hour must be the start of an hour, e.g. 2026-05-01T09:00:00Z')
    .optional(),
});

const PROCESSOR_TITLES: Record<Processor, string> = {
  'acme-cards': 'Acme Cards settlement',
  'northwind-bank': 'Northwind Bank settlement',
  paywave: 'Paywave settlement',
};

/**
 * Hourly payment reconciliation on `tools`: read the ledger's payments of the hour, poll every
 * processor's settlement (with backoff while it is still settling), compare them payment by
 * payment, hand each mismatch to finance without holding the run (and to the investigation agent,
 * through a `payment.mismatch` event), and post the hour's report.
 *
 * Escalations do not block: a blocking one would hold the run until someone answers, and with
 * `overlap: 'skip'` every hourly run until then would be skipped, so one open question would stop
 * reconciliation altogether. Instead each mismatch waits in finance's inbox with its evidence,
 * the run ends `completed_partial` naming them, and the next hour runs on time.
 */
export function reconciliationWorkflow(tools: ReconciliationTools) {
  return defineWorkflow(
    {
      name: 'payments.reconcile',
      version: 1,
      title: 'Reconciliation',
      description: 'Hourly reconciliation of the ledger against the payment processors',
      input: ReconciliationInput,
      // On the hour, up to 5 minutes late so many schedules do not hit the processors at once;
      // an hour whose run is still going is skipped; after downtime the latest missed hour runs once.
      schedule: { cron: '@hourly', jitter: '5m', overlap: 'skip', catchUp: 'latest' },
      // One at a time: a backfill of many hours queues instead of hammering the processors.
      concurrency: 1,
      steps: [
        { name: 'ledger', title: 'Ledger entries' },
        ...PROCESSORS.map((processor) => ({ name: `settlement:${processor}`, title: PROCESSOR_TITLES[processor] })),
        { name: 'compare', title: 'Comparison' },
        { name: 'report', title: 'Report to finance' },
      ],
    },
    async (ctx, input) => {
      const from = input.hour
        ? Date.parse(input.hour)
        : Math.floor((ctx.scheduledAt ?? ctx.now()) / HOUR_MS) * HOUR_MS - HOUR_MS;
      const window: Window = { from: new Date(from).toISOString(), to: new Date(from + HOUR_MS).toISOString() };
      const ledger = await ctx.tool(tools.ledgerEntries, window, { name: 'ledger' });
      // Polled together: one processor's backoff does not delay the others.
      const settlements = await Promise.all(
        PROCESSORS.map((processor) =>
          ctx.tool(
            tools.processorSettlements,
            { processor, window },
            { name: `settlement:${processor}`, fallback: { processor, settled: false, transactions: [] } },
          ),
        ),
      );
      const comparison = await ctx.step('compare', () => comparePayments(ledger, settlements));
      const escalations: string[] = [];
      for (const mismatch of comparison.mismatches) {
        const { escalationId } = await ctx.escalate({
          name: `mismatch:${mismatch.paymentId}`,
          reason: describeMismatch(mismatch),
          summary: `Reconciliation of ${window.from} – ${window.to}: the ledger and ${mismatch.processor} disagree.`,
          assignee: 'finance',
          blocking: false,
          context: { window, mismatch },
        });
        escalations.push(escalationId);
        // The investigation agent looks into it and proposes a fix for finance to approve.
        await ctx.sendEvent(MISMATCH_EVENT, { ...mismatch, window }, { name: `investigate:${mismatch.paymentId}` });
      }
      const unsettled = settlements.filter((s) => !s.settled).map((s) => s.processor);
      const report = {
        window,
        ledgerEntries: ledger.length,
        matched: comparison.matched,
        mismatches: comparison.mismatches.length,
        unsettled,
        escalations,
      };
      const publication = await ctx.tool(tools.reportPublish, report, { name: 'report' });
      ctx.log.info('hour reconciled', {
        from: window.from,
        matched: report.matched,
        mismatches: report.mismatches,
        unsettled,
      });
      return { ...report, reportId: publication.reportId };
    },
  );
}

/** This process's simulated systems, reading their faults from `process.env`; the investigation shares them. */
export const paymentSystems = createPaymentSystems();

/** This process's tools, on {@link paymentSystems}. */
export const tools = reconciliationTools(paymentSystems);

/** The reconciliation `npm start` serves. */
export const reconciliation = reconciliationWorkflow(tools);
