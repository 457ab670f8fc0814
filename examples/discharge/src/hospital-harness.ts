import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createVigil, isTerminalStatus, type LlmOptions, type RunDetails, type Vigil } from 'vigil';
import { FakeClock } from 'vigil/testing';
import { afterEach, beforeEach } from 'vitest';

import { dischargeWorkflow } from './discharge.js';
import { DISCHARGE_PRICING, dischargeModel } from './discharge-model.js';
import { createHospitalSystems, type HospitalSystems } from './systems.js';
import { DISCHARGE_POLICIES, dischargeTools, type DischargeStep, type ToolPolicy } from './tools.js';

export type Output = Awaited<ReturnType<ReturnType<typeof dischargeWorkflow>['run']>>;

/** The brief's policies with jitter off, so each backoff is exactly 1 s, 2 s, 4 s… */
const NO_JITTER = Object.fromEntries(
  Object.keys(DISCHARGE_POLICIES).map((step) => [step, { retry: { jitter: 'none' } }]),
) as Record<DischargeStep, ToolPolicy>;

export interface HospitalOptions {
  /** The models; default: `default` is the offline `dischargeModel` on the same fault variables. */
  llm?: LlmOptions;
  /**
   * Real milliseconds to pause per 100 ms of fake time while waiting: for a model answering over
   * real HTTP, which a fake clock racing ahead would time out. Default 0.
   */
  realPauseMs?: number;
}

/**
 * Registers the hooks of a test file and returns `hospital(env)`: a Vigil on SQLite in a temp
 * dir, and simulated systems with the fault variables `env`, all on one FakeClock, so a 10 s
 * timeout or a 30 s cooldown takes no real time. The systems answer at once.
 */
export function useHospital() {
  let dir: string;
  const opened: Vigil[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-discharge-'));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((vigil) => vigil.close({ graceMs: 0 })));
    rmSync(dir, { recursive: true, force: true });
  });

  return function hospital(env: Record<string, string> = {}, options: HospitalOptions = {}) {
    const clock = new FakeClock();
    const faults: Record<string, string> = { DISCHARGE_LATENCY_MS: '0', ...env };
    const systems: HospitalSystems = createHospitalSystems({ env: faults, clock });
    const workflow = dischargeWorkflow(dischargeTools(systems, NO_JITTER), { summaryRetry: { jitter: 'none' } });
    const model = dischargeModel({ env: faults });
    const vigil = createVigil({
      database: join(dir, 'vigil.db'),
      clock,
      workflows: [workflow],
      worker: { pollMs: 60_000 },
      llm: options.llm ?? { models: { default: model } },
      pricing: DISCHARGE_PRICING,
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
    const finish = async (id: string): Promise<Output> => {
      await until(async () => isTerminalStatus((await run(id)).status));
      return vigil.result<Output>(id);
    };
    const discharge = async (patientId: string): Promise<{ id: string; output: Output }> => {
      const { id } = await vigil.start(workflow, { patientId });
      return { id, output: await finish(id) };
    };
    return { clock, faults, systems, model, workflow, vigil, run, until, finish, discharge };
  };
}

export const step = (run: RunDetails, name: string) => run.steps.find((s) => s.name === name)!;
export const attempts = (run: RunDetails, name: string) =>
  step(run, name).failedAttempts.map((a) => [a.attempt, a.outcome, a.error?.message, a.delayMs]);
/** The declared steps: tool calls and the summary's LLM call. */
export const declaredSteps = (run: RunDetails) => run.steps.filter((s) => s.kind === 'tool' || s.kind === 'llm');
