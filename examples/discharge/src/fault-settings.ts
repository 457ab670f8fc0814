/**
 * How the simulated hospital systems misbehave, read from environment variables at every call,
 * so a change (an outage ending) takes effect without a restart. `DISCHARGE_FAULTS` picks a
 * preset; the finer variables override it one by one. See the README for the table.
 */
export interface FaultSettings {
  /** How long every system takes to answer. */
  latencyMs: number;
  /** Failed answers (HTTP 502) the insurer gives each eligibility request before it answers. */
  insuranceFailures: number;
  /** How long the pharmacy takes to place an order; past the tool's 10 s timeout it "hangs". */
  pharmacyDelayMs: number;
  /** Whether the appointment book answers every booking with HTTP 503. */
  appointmentsDown: boolean;
  /** Whether the offline summary model answers every request as HTTP 503 (see discharge-model.ts). */
  summaryDown: boolean;
}

export type FaultPreset = 'none' | 'demo';

/** The environment the settings are read from: `process.env`, or a test's own record. */
export type FaultEnvironment = Readonly<Record<string, string | undefined>>;

const DEFAULT_LATENCY_MS = 1500;

/** `demo`: every failure mode of the brief at once. */
const DEMO = { insuranceFailures: 2, pharmacyDelayMs: 30_000, appointmentsDown: true, summaryDown: true };

/** @throws Error naming the variable when a value cannot be read. */
export function readFaultSettings(env: FaultEnvironment): FaultSettings {
  const preset = env['DISCHARGE_FAULTS'] ?? 'none';
  if (preset !== 'none' && preset !== 'demo') {
    throw new Error(`DISCHARGE_FAULTS must be "none" or "demo"; got ${JSON.stringify(preset)}`);
  }
  const latencyMs = wholeNumber(env, 'DISCHARGE_LATENCY_MS') ?? DEFAULT_LATENCY_MS;
  return {
    latencyMs,
    insuranceFailures:
      wholeNumber(env, 'DISCHARGE_INSURANCE_FAILURES') ?? (preset === 'demo' ? DEMO.insuranceFailures : 0),
    pharmacyDelayMs:
      wholeNumber(env, 'DISCHARGE_PHARMACY_DELAY_MS') ?? (preset === 'demo' ? DEMO.pharmacyDelayMs : latencyMs),
    appointmentsDown: flag(env, 'DISCHARGE_APPOINTMENTS_DOWN') ?? (preset === 'demo' && DEMO.appointmentsDown),
    summaryDown: flag(env, 'DISCHARGE_SUMMARY_DOWN') ?? (preset === 'demo' && DEMO.summaryDown),
  };
}

function wholeNumber(env: FaultEnvironment, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${name} must be a whole number of at least 0; got ${JSON.stringify(raw)}`);
  }
  return value;
}

function flag(env: FaultEnvironment, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new Error(`${name} must be 1 or 0; got ${JSON.stringify(raw)}`);
}
