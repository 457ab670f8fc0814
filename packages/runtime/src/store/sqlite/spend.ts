import { fromNanos, toNanos, utcDay } from '../../core/budget.js';
import {
  firstRefusal,
  LEDGER_COLUMNS,
  reservationValues,
  softCrossings,
  sortScopes,
  storedScopes,
  toCounterRecord,
  toLedgerEntry,
  toSpendTotal,
  totalsSql,
  type CounterRow,
  type CounterState,
  type LedgerRow,
  type StoredScope,
  type TotalRow,
} from '../spend-rows.js';
import type {
  BudgetLimitRecord,
  CounterKey,
  CounterRecord,
  LedgerEntry,
  ReservationKey,
  ReservationRequest,
  ReserveResult,
  Settlement,
  SoftLimitCrossing,
  SpendQuery,
  SpendScope,
  SpendStore,
  SpendTotal,
} from '../spend-store.js';
import type { SqliteConnection } from './connection.js';

const KEY = 'run_id = ? AND seq = ? AND attempt = ?';
const SELECT_ENTRY = `SELECT ${LEDGER_COLUMNS} FROM spend_ledger WHERE ${KEY}`;
const INSERT_ENTRY = `INSERT INTO spend_ledger (${LEDGER_COLUMNS}) VALUES (${LEDGER_COLUMNS.split(',')
  .map(() => '?')
  .join(', ')})`;
const REOPEN = `UPDATE spend_ledger SET state = 'reserved', estimate_nanos = ?, scopes = ?, day = ?, reserved_at = ?
  WHERE ${KEY}`;
const SETTLE = `UPDATE spend_ledger SET state = 'settled', nanos = ?, input_tokens = ?, output_tokens = ?,
  cached_tokens = ?, reasoning_tokens = ?, settled_at = ? WHERE ${KEY}`;
const RELEASE = `UPDATE spend_ledger SET state = 'released', settled_at = ? WHERE ${KEY}`;
const COUNTER = `SELECT c.scope, c.key, c.period, c.settled_nanos, c.reserved_nanos, c.soft_notified,
    (SELECT l.nanos FROM budget_limits l WHERE l.scope = c.scope AND l.key = c.key) AS raised
  FROM spend_counters c WHERE c.scope = ? AND c.key = ? AND c.period = ?`;
const RAISED = 'SELECT nanos FROM budget_limits WHERE scope = ? AND key = ?';
const ADD = `INSERT INTO spend_counters (scope, key, period, settled_nanos, reserved_nanos, updated_at)
  VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, key, period) DO UPDATE SET
    settled_nanos = settled_nanos + excluded.settled_nanos, reserved_nanos = reserved_nanos + excluded.reserved_nanos,
    updated_at = excluded.updated_at`;
const NOTIFIED = 'UPDATE spend_counters SET soft_notified = 1 WHERE scope = ? AND key = ? AND period = ?';

/**
 * Every decision reads the counters and writes them inside one group-committed transaction:
 * SQLite's write lock (BEGIN IMMEDIATE) makes the read and the write one step for every process
 * on the file, so no two reservations both fit in the last room of a budget. Decisions are
 * made before anything is written, so a refusal writes nothing.
 */
export class SqliteSpendStore implements SpendStore {
  constructor(private readonly conn: SqliteConnection) {}

  reserve(request: ReservationRequest, now: number): Promise<ReserveResult> {
    return this.conn.batcher.run((): ReserveResult => {
      const existing = this.select(request);
      if (existing && existing.state !== 'released') return { granted: true, reservation: existing, reused: true };
      const nanos = toNanos(request.usd);
      const states = request.scopes.map((scope) => this.counter(scope));
      const refusal = request.enforce === false ? null : firstRefusal(request.scopes, states, nanos);
      if (refusal) return { granted: false, refusal };
      const day = utcDay(now);
      if (existing) {
        const scopes = JSON.stringify(storedScopes(request.scopes));
        this.conn.statement(REOPEN).run(nanos, scopes, day, now, request.runId, request.seq, request.attempt);
      } else {
        this.conn.statement(INSERT_ENTRY).run(...reservationValues(request, day, now));
      }
      for (const scope of sortScopes([...request.scopes])) this.add(scope, 0, nanos, now);
      return { granted: true, reservation: this.select(request)!, reused: false };
    });
  }

  settle(
    key: ReservationKey,
    settlement: Settlement,
    now: number,
  ): Promise<{ entry: LedgerEntry; crossed: SoftLimitCrossing[] } | null> {
    return this.conn.batcher.run(() => {
      const row = this.row(key);
      if (!row || row.state !== 'reserved') return null;
      const nanos = settlement.usd === null ? row.estimate_nanos : toNanos(settlement.usd);
      const t = settlement.tokens ?? null;
      this.conn
        .statement(SETTLE)
        .run(nanos, t?.input ?? null, t?.output ?? null, t?.cached ?? null, t?.reasoning ?? null, now, ...keyOf(key));
      const scopes = JSON.parse(row.scopes) as StoredScope[];
      for (const scope of scopes) this.add(scope, nanos, -row.estimate_nanos, now);
      const crossed = softCrossings(
        scopes,
        scopes.map((scope) => this.counter(scope)),
      );
      for (const c of crossed) this.conn.statement(NOTIFIED).run(c.scope, c.key, c.period);
      return { entry: this.select(key)!, crossed };
    });
  }

  release(key: ReservationKey, now: number): Promise<boolean> {
    return this.conn.batcher.run(() => {
      const row = this.row(key);
      if (!row || row.state !== 'reserved') return false;
      this.conn.statement(RELEASE).run(now, ...keyOf(key));
      for (const scope of JSON.parse(row.scopes) as StoredScope[]) this.add(scope, 0, -row.estimate_nanos, now);
      return true;
    });
  }

  get(key: ReservationKey): Promise<LedgerEntry | null> {
    return Promise.resolve(this.select(key));
  }

  setLimit(scope: SpendScope, key: string, usd: number | null, now: number, by: string | null): Promise<void> {
    return this.conn.batcher.run(() => {
      if (usd === null) {
        this.conn.statement('DELETE FROM budget_limits WHERE scope = ? AND key = ?').run(scope, key);
        return;
      }
      this.conn
        .statement(
          `INSERT INTO budget_limits (scope, key, nanos, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (scope, key) DO UPDATE SET nanos = excluded.nanos, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by`,
        )
        .run(scope, key, toNanos(usd), now, by);
    });
  }

  listLimits(): Promise<BudgetLimitRecord[]> {
    const rows = this.conn
      .statement('SELECT scope, key, nanos, updated_at, updated_by FROM budget_limits ORDER BY scope, key')
      .all() as Array<{ scope: SpendScope; key: string; nanos: number; updated_at: number; updated_by: string | null }>;
    return Promise.resolve(
      rows.map((r) => ({
        scope: r.scope,
        key: r.key,
        usd: fromNanos(r.nanos),
        updatedAt: r.updated_at,
        updatedBy: r.updated_by,
      })),
    );
  }

  counters(keys: readonly CounterKey[]): Promise<CounterRecord[]> {
    const rows = keys
      .map(
        (k) =>
          this.conn
            .statement(
              'SELECT scope, key, period, settled_nanos, reserved_nanos FROM spend_counters WHERE scope = ? AND key = ? AND period = ?',
            )
            .get(k.scope, k.key, k.period) as CounterRow | undefined,
      )
      .filter((row): row is CounterRow => row !== undefined);
    return Promise.resolve(rows.map(toCounterRecord));
  }

  totals(query: SpendQuery): Promise<SpendTotal[]> {
    const { text, params } = totalsSql(
      query.by,
      query,
      () => '?',
      (column) => `coalesce(sum(${column}), 0)`,
    );
    return Promise.resolve((this.conn.statement(text).all(...params) as TotalRow[]).map(toSpendTotal));
  }

  runCost(runId: string): Promise<Array<{ seq: number; usd: number }>> {
    const rows = this.conn
      .statement(
        "SELECT seq, sum(nanos) AS nanos FROM spend_ledger WHERE run_id = ? AND state = 'settled' GROUP BY seq ORDER BY seq",
      )
      .all(runId) as Array<{ seq: number; nanos: number }>;
    return Promise.resolve(rows.map((r) => ({ seq: r.seq, usd: fromNanos(r.nanos) })));
  }

  private row(key: ReservationKey): LedgerRow | undefined {
    return this.conn.statement(SELECT_ENTRY).get(...keyOf(key)) as LedgerRow | undefined;
  }

  private select(key: ReservationKey): LedgerEntry | null {
    const row = this.row(key);
    return row ? toLedgerEntry(row) : null;
  }

  private counter(key: CounterKey): CounterState {
    const row = this.conn.statement(COUNTER).get(key.scope, key.key, key.period) as
      (CounterRow & { soft_notified: number; raised: number | null }) | undefined;
    if (row) {
      return {
        ...key,
        settled: row.settled_nanos,
        reserved: row.reserved_nanos,
        raised: row.raised,
        softNotified: row.soft_notified === 1,
      };
    }
    const raised = this.conn.statement(RAISED).get(key.scope, key.key) as { nanos: number } | undefined;
    return { ...key, settled: 0, reserved: 0, raised: raised?.nanos ?? null, softNotified: false };
  }

  private add(key: CounterKey, settled: number, reserved: number, now: number): void {
    this.conn.statement(ADD).run(key.scope, key.key, key.period, settled, reserved, now);
  }
}

function keyOf(key: ReservationKey): [string, number, number] {
  return [key.runId, key.seq, key.attempt];
}
