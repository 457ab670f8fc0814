// A worker process for the recovery benchmark. It opens Vigil on the given SQLite file with a
// worker of the given lease TTL, optionally starts one run of slow steps, records every step
// start in the ledger, and exits once a run completes. The parent SIGKILLs the first one.
import { setTimeout as delay } from 'node:timers/promises';

import { createVigil, defineWorkflow } from 'vigil';
import { z } from 'zod';

import { optionsFromArgv } from './child-process.js';
import { appendToLedger } from './ledger.js';
import { stepResult } from './workflows.js';

export interface RecoveryWorkerOptions {
  db: string;
  ledger: string;
  name: string;
  leaseTtlMs: number;
  /** Start the run (the first worker does). */
  create: boolean;
  steps: number;
  stepMs: number;
}

const options = optionsFromArgv<RecoveryWorkerOptions>({
  db: '',
  ledger: '',
  name: 'worker',
  leaseTtlMs: 10_000,
  create: false,
  steps: 8,
  stepMs: 200,
});

const slowSteps = defineWorkflow(
  { name: 'bench.recovery', version: 1, input: z.object({ steps: z.number().int(), stepMs: z.number() }) },
  async (ctx, input) => {
    for (let step = 1; step <= input.steps; step++) {
      await ctx.step(`step-${step}`, async ({ seq, attempt }) => {
        appendToLedger(options.ledger, { event: 'step', worker: options.name, seq, attempt });
        await delay(input.stepMs);
        return stepResult(0, step);
      });
    }
    return { steps: input.steps };
  },
);

const vigil = createVigil({ database: options.db, workflows: [slowSteps], worker: { leaseTtlMs: options.leaseTtlMs } });
let exiting = false;
const exitOnceCompleted = (): void => {
  if (exiting) return;
  exiting = true;
  appendToLedger(options.ledger, { event: 'completed', worker: options.name });
  void vigil.close().then(() => process.exit(0));
};
vigil.events.on('run.completed', exitOnceCompleted);
await vigil.ready();
appendToLedger(options.ledger, { event: 'ready', worker: options.name });
if (options.create) await vigil.start(slowSteps, { steps: options.steps, stepMs: options.stepMs });
// Should the completion event not come, the store still says when the run is done.
while (!exiting) {
  await delay(250);
  if ((await vigil.listRuns({ status: 'completed', limit: 1 })).runs.length > 0) exitOnceCompleted();
}
