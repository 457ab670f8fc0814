/**
 * The hourly reconciliation as `vigil chaos` loads it (see the README's "Chaos profile"): the
 * workflow and its three tools on simulated payment systems that answer after 200 ms instead of
 * 500 ms (`RECONCILIATION_LATENCY_MS` still wins), with one wait shortened as docs/chaos.md
 * advises: a settlement still settling is polled again after 0.5–4 s instead of 10 s–5 min, six
 * attempts as in production. Every other policy is `RECONCILIATION_POLICIES`. The report channel
 * records each report posted in the harness's ledger (systems.ts). No model is needed: the
 * investigation agent has its own profile (investigation-chaos.ts).
 */
import type { z } from 'zod';

import { reconciliationWorkflow, type ReconciliationInput } from './reconciliation.js';
import { createPaymentSystems } from './systems.js';
import { reconciliationTools } from './tools.js';

const CHAOS_LATENCY_MS = '200';
const FIRST_HOUR = Date.parse('2026-05-01T00:00:00Z');

/** The worker's environment, with the systems' latency shortened unless it names its own. */
const env = {
  ...process.env,
  RECONCILIATION_LATENCY_MS: process.env['RECONCILIATION_LATENCY_MS'] ?? CHAOS_LATENCY_MS,
};

/** The three tools on this process's systems; the settlement polls' backoff shortened. */
export const tools = reconciliationTools(createPaymentSystems({ env }), {
  settlement: { retry: { initialDelay: '500ms', maxDelay: '4s' } },
});

/** `payments.reconcile` on {@link tools}: one run at a time, as in production (`concurrency: 1`). */
export const reconciliation = reconciliationWorkflow(tools);

/**
 * Run `i` reconciles its own hour, a backfill from 2026-05-01T00:00Z on: every run reads other
 * payments and posts its own report, as a catch-up after downtime would.
 */
export function chaosInputs(i: number): z.input<typeof ReconciliationInput> {
  return { hour: new Date(FIRST_HOUR + i * 3_600_000).toISOString().replace('.000Z', 'Z') };
}
