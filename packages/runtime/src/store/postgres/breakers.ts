import {
  admitCall,
  closedBreaker,
  recordOutcome,
  type Admission,
  type BreakerPolicy,
  type BreakerState,
  type BreakerStatus,
} from '../../core/resilience/circuit-breaker.js';
import { BREAKER_COLUMNS, breakerValues, sameBreakerState, toBreakerRecord, type BreakerRow } from '../breaker-rows.js';
import type { BreakerRecord, BreakerStore } from '../breaker-store.js';
import type { PgConnection } from './connection.js';

const SELECT = `SELECT ${BREAKER_COLUMNS} FROM breakers WHERE key = $1`;
const PLACEHOLDERS = BREAKER_COLUMNS.split(', ')
  .map((_, i) => `$${i + 1}`)
  .join(', ');
const INSERT = `INSERT INTO breakers (${BREAKER_COLUMNS}) VALUES (${PLACEHOLDERS}) ON CONFLICT (key) DO NOTHING RETURNING key`;
const UPDATE = `UPDATE breakers SET tool = $2, status = $3, consecutive_failures = $4, window_start = $5,
  window_calls = $6, window_failures = $7, opened_at = $8, open_until = $9, probe_until = $10, last_error = $11,
  updated_at = $12 WHERE key = $1`;

/**
 * Breakers are the one aggregate that decides in the application: the state machine lives in
 * `core/resilience`. So each change reads the row under a lock (`SELECT … FOR UPDATE`), applies
 * the machine and writes the result in one transaction, and concurrent workers take turns on
 * the row: exactly one of them turns an open breaker half-open and probes.
 *
 * The common case changes nothing (a closed breaker admitting, a success on a healthy tool). It
 * is decided on a plain read first, without a transaction or a write; only a change takes the
 * lock, and is decided again on the locked row.
 */
export class PgBreakerStore implements BreakerStore {
  constructor(private readonly conn: PgConnection) {}

  admit(key: string, tool: string, policy: BreakerPolicy, now: number, probeLeaseMs: number): Promise<Admission> {
    return this.change(key, tool, now, (state) => {
      const admission = admitCall(state, policy, now, probeLeaseMs);
      return { next: admission.state, result: admission };
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
    return this.change(key, tool, now, (state) => {
      const next = recordOutcome(state, policy, now, outcome, wasProbe);
      return { next, result: { previous: state.status, breaker: { ...next, key, tool } } };
    });
  }

  async get(key: string): Promise<BreakerRecord | null> {
    const [row] = await this.conn.query<BreakerRow>(SELECT, [key]);
    return row ? toBreakerRecord(row) : null;
  }

  async list(): Promise<BreakerRecord[]> {
    // A closed breaker that never failed has nothing to show.
    const rows = await this.conn.query<BreakerRow>(`SELECT ${BREAKER_COLUMNS} FROM breakers ORDER BY key`);
    return rows.map(toBreakerRecord);
  }

  /** Closes the breaker with the counters of a fresh one; the last error stays on record. */
  async reset(key: string, now: number): Promise<BreakerRecord | null> {
    const closed = closedBreaker(now);
    const [row] = await this.conn.query<BreakerRow>(
      `UPDATE breakers SET status = $2, consecutive_failures = $3, window_start = $4, window_calls = $5,
         window_failures = $6, opened_at = $7, open_until = $8, probe_until = $9, updated_at = $10
       WHERE key = $1 RETURNING ${BREAKER_COLUMNS}`,
      [
        key,
        closed.status,
        closed.consecutiveFailures,
        closed.windowStart,
        closed.windowCalls,
        closed.windowFailures,
        closed.openedAt,
        closed.openUntil,
        closed.probeUntil,
        closed.updatedAt,
      ],
    );
    return row ? toBreakerRecord(row) : null;
  }

  private async change<T>(
    key: string,
    tool: string,
    now: number,
    decide: (state: BreakerState) => { next: BreakerState; result: T },
  ): Promise<T> {
    const current = (await this.get(key)) ?? closedBreaker(now);
    const optimistic = decide(current);
    if (sameBreakerState(current, optimistic.next)) return optimistic.result;
    return this.conn.transaction(async (tx) => {
      for (;;) {
        const [row] = await tx.query<BreakerRow>(`${SELECT} FOR UPDATE`, [key]);
        const state = row ? toBreakerRecord(row) : closedBreaker(now);
        const { next, result } = decide(state);
        if (sameBreakerState(state, next)) return result;
        if (row) {
          await tx.query(UPDATE, breakerValues(key, tool, next));
          return result;
        }
        // A missing row cannot be locked: insert it, or, if another worker just did, lock theirs.
        const inserted = await tx.query(INSERT, breakerValues(key, tool, next));
        if (inserted.length > 0) return result;
      }
    });
  }
}
