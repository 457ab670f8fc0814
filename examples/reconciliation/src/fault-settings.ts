import { PROCESSORS, type Processor } from './records.js';

/**
 * How the simulated ledger and processors misbehave, read from environment variables at every
 * call, so a change (a processor catching up) takes effect without a restart.
 * `RECONCILIATION_FAULTS` picks a preset; the finer variables override it one by one. See the
 * README for the table.
 */
export interface FaultSettings {
  /** How long every system takes to answer. */
  latencyMs: number;
  /** How many polls of each window a processor answers "still settling" before it reports. */
  settlingPolls: Readonly<Record<Processor, number>>;
  /** How many payments of each hour the processors disagree with the ledger on. */
  mismatches: number;
  /** The share (0–1) of the investigation model's turns whose first attempt answers 503. */
  modelFailures: number;
}

export type FaultPreset = 'none' | 'demo';

/** The environment the settings are read from: `process.env`, or a test's own record. */
export type FaultEnvironment = Readonly<Record<string, string | undefined>>;

const DEFAULT_LATENCY_MS = 500;
const NO_SETTLING: Record<Processor, number> = { 'acme-cards': 0, 'northwind-bank': 0, paywave: 0 };

/** `demo`: Paywave settles on the third poll, and two payments of each hour disagree. */
const DEMO = { settlingPolls: { ...NO_SETTLING, paywave: 2 }, mismatches: 2 };

/** @throws Error naming the variable when a value cannot be read. */
export function readFaultSettings(env: FaultEnvironment): FaultSettings {
  const preset = env['RECONCILIATION_FAULTS'] ?? 'none';
  if (preset !== 'none' && preset !== 'demo') {
    throw new Error(`RECONCILIATION_FAULTS must be "none" or "demo"; got ${JSON.stringify(preset)}`);
  }
  return {
    latencyMs: wholeNumber(env, 'RECONCILIATION_LATENCY_MS') ?? DEFAULT_LATENCY_MS,
    settlingPolls: settling(env, 'RECONCILIATION_SETTLING') ?? (preset === 'demo' ? DEMO.settlingPolls : NO_SETTLING),
    mismatches: wholeNumber(env, 'RECONCILIATION_MISMATCHES') ?? (preset === 'demo' ? DEMO.mismatches : 0),
    modelFailures: share(env, 'RECONCILIATION_MODEL_FAILURES') ?? 0,
  };
}

function share(env: FaultEnvironment, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be a number from 0 to 1; got ${JSON.stringify(raw)}`);
  return value;
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

/** `paywave:2,northwind-bank:1`: polls per processor; processors not named settle at once. */
function settling(env: FaultEnvironment, name: string): Record<Processor, number> | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const polls = { ...NO_SETTLING };
  for (const item of raw.split(',')) {
    const [processor, count] = item.trim().split(':');
    const n = Number(count);
    if (!PROCESSORS.includes(processor as Processor) || !Number.isSafeInteger(n) || n < 0) {
      throw new Error(
        `${name} must list <processor>:<polls> with a processor among ${PROCESSORS.join(', ')}; got ${JSON.stringify(raw)}`,
      );
    }
    polls[processor as Processor] = n;
  }
  return polls;
}
