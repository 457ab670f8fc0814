import type { Admission, BreakerPolicy, BreakerState, BreakerStatus } from '../core/resilience/circuit-breaker.js';

/** A circuit breaker as stored: one row per tool, or per tool and key. */
export interface BreakerRecord extends BreakerState {
  key: string;
  tool: string;
}

/**
 * The breakers aggregate. Each method reads the row, applies the pure state machine of
 * `core/resilience/circuit-breaker.ts` and writes the result in one transaction under a row
 * lock, so every worker sees one breaker and exactly one probe passes a half-open one.
 */
export interface BreakerStore {
  /** Whether a call may go through now; a missing row is a closed breaker. */
  admit(key: string, tool: string, policy: BreakerPolicy, now: number, probeLeaseMs: number): Promise<Admission>;
  /** Records a call's outcome; returns the status before and the breaker after. */
  record(
    key: string,
    tool: string,
    policy: BreakerPolicy,
    now: number,
    outcome: { ok: true } | { ok: false; error: string },
    wasProbe: boolean,
  ): Promise<{ previous: BreakerStatus; breaker: BreakerRecord }>;
  get(key: string): Promise<BreakerRecord | null>;
  /** Every breaker that has recorded a failure or been opened, by key. */
  list(): Promise<BreakerRecord[]>;
  /** Closes the breaker and clears its counters; null when there is no such breaker. */
  reset(key: string, now: number): Promise<BreakerRecord | null>;
}
