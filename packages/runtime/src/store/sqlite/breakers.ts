import {
  admitCall,
  closedBreaker,
  recordOutcome,
  type Admission,
  type BreakerPolicy,
  type BreakerState,
  type BreakerStatus,
} from '../../core/resilience/circuit-breaker.js';
import {
  BREAKER_COLUMNS,
  breakerValues,
  resetBreaker,
  sameBreakerState,
  toBreakerRecord,
  type BreakerRow,
} from '../breaker-rows.js';
import type { BreakerRecord, BreakerStore } from '../breaker-store.js';
import type { SqliteConnection } from './connection.js';

const SELECT_BY_KEY = `SELECT ${BREAKER_COLUMNS} FROM breakers WHERE key = ?`;
const UPSERT = `INSERT INTO breakers (${BREAKER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET tool = excluded.tool, status = excluded.status,
    consecutive_failures = excluded.consecutive_failures, window_start = excluded.window_start,
    window_calls = excluded.window_calls, window_failures = excluded.window_failures, opened_at = excluded.opened_at,
    open_until = excluded.open_until, probe_until = excluded.probe_until, last_error = excluded.last_error,
    updated_at = excluded.updated_at`;
// A closed breaker that never failed has nothing to show.
const SELECT_ALL = `SELECT ${BREAKER_COLUMNS} FROM breakers ORDER BY key`;

/**
 * Each method reads the breaker, applies the state machine and writes the result inside one
 * group-committed transaction: SQLite's write lock makes the read and the write one step for
 * every process on the file, so one probe passes a half-open breaker. A call that changes
 * nothing (a closed breaker admitting) writes nothing.
 */
export class SqliteBreakerStore implements BreakerStore {
  constructor(private readonly conn: SqliteConnection) {}

  admit(key: string, tool: string, policy: BreakerPolicy, now: number, probeLeaseMs: number): Promise<Admission> {
    return this.conn.batcher.run(() => {
      const state = this.select(key) ?? closedBreaker(now);
      const admission = admitCall(state, policy, now, probeLeaseMs);
      this.writeIfChanged(key, tool, state, admission.state);
      return admission;
    });
  }

  record(
    key: string,
    tool: string,
    policy: BreakerPolicy,
    now: number,
    outcome: { ok: true } | { ok: false; error: string },
    wasProbe: boolean,
  ): Promise<{ previous: BreakerStatus; breaker: BreakerRecord }> {
    return this.conn.batcher.run(() => {
      const state = this.select(key) ?? closedBreaker(now);
      const next = recordOutcome(state, policy, now, outcome, wasProbe);
      this.writeIfChanged(key, tool, state, next);
      return { previous: state.status, breaker: { ...next, key, tool } };
    });
  }

  get(key: string): Promise<BreakerRecord | null> {
    return Promise.resolve(this.select(key));
  }

  list(): Promise<BreakerRecord[]> {
    return Promise.resolve((this.conn.statement(SELECT_ALL).all() as BreakerRow[]).map(toBreakerRecord));
  }

  reset(key: string, now: number): Promise<BreakerRecord | null> {
    return this.conn.batcher.run(() => {
      const existing = this.select(key);
      if (!existing) return null;
      const closed = { ...resetBreaker(existing, now), key, tool: existing.tool };
      this.conn.statement(UPSERT).run(...breakerValues(key, existing.tool, closed));
      return closed;
    });
  }

  private select(key: string): BreakerRecord | null {
    const row = this.conn.statement(SELECT_BY_KEY).get(key) as BreakerRow | undefined;
    return row ? toBreakerRecord(row) : null;
  }

  private writeIfChanged(key: string, tool: string, before: BreakerState, after: BreakerState): void {
    if (!sameBreakerState(before, after)) this.conn.statement(UPSERT).run(...breakerValues(key, tool, after));
  }
}
