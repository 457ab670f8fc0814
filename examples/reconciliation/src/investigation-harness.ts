import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createVigil, isTerminalStatus, type LlmOptions, type RunDetails, type Vigil } from 'vigil';
import { FakeClock } from 'vigil/testing';
import { afterEach, beforeEach } from 'vitest';

import { comparePayments } from './compare.js';
import { investigationWorkflow, type InvestigationResult } from './investigation.js';
import { INVESTIGATION_PRICING, investigationModel } from './investigation-model.js';
import type { InvestigationInput } from './investigation-records.js';
import { investigationTools } from './investigation-tools.js';
import { reconciliationWorkflow } from './reconciliation.js';
import { PROCESSORS } from './records.js';
import { paymentsOf, settledOf } from './simulated-payments.js';
import { createPaymentSystems } from './systems.js';
import { reconciliationTools } from './tools.js';

/** The hour the tests investigate, and the mismatches the reconciliation finds in it. */
export const HOUR = { from: '2025-12-31T23:00:00.000Z', to: '2026-01-01T00:00:00.000Z' };
const MISMATCHES = 3;

/**
 * The hour's mismatches as `payments.reconcile` finds them with `RECONCILIATION_MISMATCHES=3`:
 * a fee taken off the first payment, a payment the ledger never booked, one the processor never saw.
 */
export function mismatchesOfHour(): InvestigationInput[] {
  const hour = Date.parse(HOUR.from);
  const settlements = PROCESSORS.map((processor) => ({
    processor,
    settled: true,
    transactions: settledOf(hour, MISMATCHES).filter((t) => t.processor === processor),
  }));
  return comparePayments(paymentsOf(hour), settlements).mismatches.map((m) => ({ ...m, window: HOUR }));
}

export interface InvestigationOptions {
  /** The models; default: `default` is the offline `investigationModel`. */
  llm?: LlmOptions;
  /** Real milliseconds to pause per 100 ms of fake time while waiting (for a model over real HTTP). */
  realPauseMs?: number;
}

/**
 * Registers the hooks of a test file and returns `payments(options)`: a Vigil on SQLite in a
 * temp dir and simulated payment systems (answering at once, three mismatches an hour), both on
 * one FakeClock starting 2026-01-01T00:00Z, running `payments.investigate` and the
 * `payments.reconcile` that starts it.
 */
export function useInvestigation() {
  let dir: string;
  const opened: Vigil[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-investigation-'));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((vigil) => vigil.close({ graceMs: 0 })));
    rmSync(dir, { recursive: true, force: true });
  });

  return function payments(options: InvestigationOptions = {}) {
    const clock = new FakeClock();
    const env = { RECONCILIATION_LATENCY_MS: '0', RECONCILIATION_MISMATCHES: String(MISMATCHES) };
    const systems = createPaymentSystems({ env, clock });
    const workflow = investigationWorkflow(investigationTools(systems));
    const reconcile = reconciliationWorkflow(reconciliationTools(systems));
    const model = investigationModel();
    const vigil = createVigil({
      database: join(dir, 'vigil.db'),
      clock,
      workflows: [workflow, reconcile],
      worker: { pollMs: 60_000 },
      llm: options.llm ?? { models: { default: model } },
      pricing: INVESTIGATION_PRICING,
    });
    opened.push(vigil);
    const run = async (id: string): Promise<RunDetails> => (await vigil.getRun(id))!;
    /** Moves the clock in 100 ms slices until `check` holds. */
    const until = async (check: () => Promise<boolean>, maxMs = 120_000): Promise<void> => {
      for (let waited = 0; waited <= maxMs; waited += 100) {
        if (await check()) return;
        await clock.advance(100);
        if (options.realPauseMs) await new Promise((resolve) => setTimeout(resolve, options.realPauseMs));
      }
      throw new Error(`condition not met within ${maxMs} ms of fake time`);
    };
    /** Starts an investigation and waits until it asks finance (or ends). */
    const investigate = async (mismatch: InvestigationInput): Promise<string> => {
      const { id } = await vigil.start(workflow, mismatch);
      await until(async () => {
        const { status } = await run(id);
        return status === 'waiting' || isTerminalStatus(status);
      });
      return id;
    };
    const finish = async (id: string): Promise<InvestigationResult> => {
      await until(async () => isTerminalStatus((await run(id)).status));
      return vigil.result<InvestigationResult>(id);
    };
    return { clock, systems, model, workflow, reconcile, vigil, run, until, investigate, finish };
  };
}
