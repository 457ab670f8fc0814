/**
 * The investigation agent as `vigil chaos` loads it (see the README's "Chaos profile"): the
 * workflow, its tool access policy (finance approves every adjustment) and its three tools with
 * `INVESTIGATION_POLICIES`, on simulated payment systems where three payments of each hour
 * disagree and every system answers after 200 ms instead of 500 ms (`RECONCILIATION_LATENCY_MS`
 * still wins). The ledger records each adjustment booked in the harness's ledger (systems.ts).
 * The agent's `default` model comes from `examples/reconciliation/vigil.config.ts`, which the
 * workers read from their directory; finance's approvals are granted by the harness
 * (`--approve finance`), as finance would.
 */
import { comparePayments } from './compare.js';
import { investigationWorkflow } from './investigation.js';
import type { InvestigationInput } from './investigation-records.js';
import { investigationTools } from './investigation-tools.js';
import { PROCESSORS } from './records.js';
import { HOUR_MS, paymentsOf, settledOf } from './simulated-payments.js';
import { createPaymentSystems } from './systems.js';

const CHAOS_LATENCY_MS = '200';
/** Mismatches per hour: a fee the ledger never booked, a payment it never booked, one never captured. */
const MISMATCHES = 3;
const FIRST_HOUR = Date.parse('2026-05-01T00:00:00Z');

/** The worker's environment: the hours' mismatches, and the latency shortened unless it names its own. */
const env = {
  ...process.env,
  RECONCILIATION_LATENCY_MS: process.env['RECONCILIATION_LATENCY_MS'] ?? CHAOS_LATENCY_MS,
  RECONCILIATION_MISMATCHES: String(MISMATCHES),
};

/** The three tools, with the policies of INVESTIGATION_POLICIES, on this process's systems. */
export const tools = investigationTools(createPaymentSystems({ env }));

/** `payments.investigate`, as `npm start` serves it, on {@link tools}. */
export const investigation = investigationWorkflow(tools);

/**
 * Run `i` investigates mismatch `i % 3` of hour `i / 3` of a backfill from 2026-05-01T00:00Z, as
 * the hourly reconciliation finds it: each run has its own payment, and every one of them has
 * an adjustment to propose (a fee to book, a settled payment to book, an uncaptured one to reverse).
 */
export function chaosInputs(i: number): InvestigationInput {
  const hour = FIRST_HOUR + Math.floor(i / MISMATCHES) * HOUR_MS;
  const settlements = PROCESSORS.map((processor) => ({
    processor,
    settled: true,
    transactions: settledOf(hour, MISMATCHES).filter((t) => t.processor === processor),
  }));
  const { mismatches } = comparePayments(paymentsOf(hour), settlements);
  const window = { from: new Date(hour).toISOString(), to: new Date(hour + HOUR_MS).toISOString() };
  return { ...mismatches[i % MISMATCHES]!, window };
}
