/**
 * The discharge as `vigil chaos` loads it (see the README's "Chaos profile"): the workflow and
 * its five tools with the production failure policies, on simulated hospital systems that answer
 * after 300 ms instead of 1.5 s (`DISCHARGE_LATENCY_MS` still wins), so a profile of a dozen runs
 * takes under a minute and a SIGKILL still lands mid-run. The pharmacy and the notifier record
 * each order and message in the harness's ledger (systems.ts). The summary's `default` model
 * comes from `examples/discharge/vigil.config.ts`, which the workers read from their directory.
 */
import type { z } from 'zod';

import { dischargeWorkflow, type DischargeInput } from './discharge.js';
import { createHospitalSystems } from './systems.js';
import { dischargeTools } from './tools.js';

const CHAOS_LATENCY_MS = '300';

/** The worker's environment, with the systems' latency shortened unless it names its own. */
const env = { ...process.env, DISCHARGE_LATENCY_MS: process.env['DISCHARGE_LATENCY_MS'] ?? CHAOS_LATENCY_MS };

/** The five tools, with the policies of DISCHARGE_POLICIES, on this process's systems. */
export const tools = dischargeTools(createHospitalSystems({ env }));

/** `patient.discharge`, as `npm start` serves it, on {@link tools}. */
export const discharge = dischargeWorkflow(tools);

const CHANNELS = ['sms', 'sms', 'email'] as const;

/**
 * Run `i`'s discharge: a different patient each run (so records, wards and medications vary),
 * notified by SMS two runs in three and by email otherwise. Nothing here asks for a related
 * record, so no run waits on the privacy officer unless a fault sends it to a person.
 */
export function chaosInputs(i: number): z.input<typeof DischargeInput> {
  const channel = CHANNELS[i % CHANNELS.length]!;
  const patient = 3000 + i;
  return {
    patientId: `P-${patient}`,
    notify: {
      channel,
      to: channel === 'sms' ? `+1-555-${String(patient).padStart(4, '0')}` : `p${patient}@example.org`,
    },
  };
}
