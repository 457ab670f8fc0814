import { closedBreaker, type BreakerState, type BreakerStatus } from '../core/resilience/circuit-breaker.js';
import type { BreakerRecord } from './breaker-store.js';

/** A row of the `breakers` table, as both dialects return it. */
export interface BreakerRow {
  key: string;
  tool: string;
  status: string;
  consecutive_failures: number;
  window_start: number;
  window_calls: number;
  window_failures: number;
  opened_at: number | null;
  open_until: number | null;
  probe_until: number | null;
  last_error: string | null;
  updated_at: number;
}

export const BREAKER_COLUMNS =
  'key, tool, status, consecutive_failures, window_start, window_calls, window_failures, opened_at, open_until, ' +
  'probe_until, last_error, updated_at';

export function toBreakerRecord(row: BreakerRow): BreakerRecord {
  return {
    key: row.key,
    tool: row.tool,
    status: row.status as BreakerStatus,
    consecutiveFailures: row.consecutive_failures,
    windowStart: row.window_start,
    windowCalls: row.window_calls,
    windowFailures: row.window_failures,
    openedAt: row.opened_at,
    openUntil: row.open_until,
    probeUntil: row.probe_until,
    lastError: row.last_error,
    updatedAt: row.updated_at,
  };
}

/** The values of {@link BREAKER_COLUMNS} for a breaker, in that order. */
export function breakerValues(key: string, tool: string, state: BreakerState): unknown[] {
  return [
    key,
    tool,
    state.status,
    state.consecutiveFailures,
    state.windowStart,
    state.windowCalls,
    state.windowFailures,
    state.openedAt,
    state.openUntil,
    state.probeUntil,
    state.lastError,
    state.updatedAt,
  ];
}

/** Whether applying the state machine changed anything worth a write. */
export function sameBreakerState(a: BreakerState, b: BreakerState): boolean {
  return (
    a === b ||
    (a.status === b.status &&
      a.consecutiveFailures === b.consecutiveFailures &&
      a.windowStart === b.windowStart &&
      a.windowCalls === b.windowCalls &&
      a.windowFailures === b.windowFailures &&
      a.openedAt === b.openedAt &&
      a.openUntil === b.openUntil &&
      a.probeUntil === b.probeUntil &&
      a.lastError === b.lastError)
  );
}

/** The breaker a reset leaves: closed, counters cleared, the last error kept for the record. */
export function resetBreaker(state: BreakerState, now: number): BreakerState {
  return { ...closedBreaker(now), lastError: state.lastError };
}
