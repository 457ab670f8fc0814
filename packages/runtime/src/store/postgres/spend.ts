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
  Refusal,
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
import type { PgConnection, PgTransaction } from './connection.js';

const KEY = 'run_id = $1 AND seq = $2 AND attempt = $3';
const INSERT_ENTRY = `INSERT INTO spend_ledger (${LEDGER_COLUMNS}) VALUES (${LEDGER_COLUMNS.split(',')
  .map((_, i) => `$${i + 1}`)
  .join(', ')}) ON CONFLICT (run_id, seq, attempt) DO NOTHING RETURNING ${LEDGER_COLUMNS}`;
const LOCK_ENTRY = `SELECT ${LEDGER_COLUMNS} FROM spend_ledger WHERE ${KEY} FOR UPDATE`;
const REOPEN = `UPDATE spend_ledger SET state = 'reserved', estimate_nanos = $4, scopes = $5, day = $6, reserved_at = $7,
  settled_at = NULL WHERE ${KEY} RETURNING ${LEDGER_COLUMNS}`;
const SETTLE = `UPDATE spend_ledger SET state = 'settled', nanos = coalesce($4, estimate_nanos), input_tokens = $5,
  output_tokens = $6, cached_tokens = $7, reasoning_tokens = $8, settled_at = $9
  WHERE ${KEY} AND state = 'reserved' RETURNING ${LEDGER_COLUMNS}`;
const RELEASE = `UPDATE spend_ledger SET state = 'released', settled_at = $4
  WHERE ${KEY} AND state = 'reserved' RETURNING ${LEDGER_COLUMNS}`;

/** Refusals leave the transaction by throwing, so it rolls back every counter it touched. */
class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super('refused');
  }
}

/**
 * Reservations on PostgreSQL under READ COMMITTED, with any number of workers and pools:
 *
 * 1. the reservation row is inserted first (or, if it exists, locked with FOR UPDATE), so two
 *    tries of the same attempt take turns and the second finds the first's reservation;
 * 2. one `INSERT … ON CONFLICT DO UPDATE` adds the amount to every counter the call spends
 *    from, in one fixed order (`sortScopes`) — each counter row is locked as it is reached, so
 *    two reservations over overlapping counters lock them in the same order and cannot
 *    deadlock — and returns each counter as it now stands, the latest committed version under
 *    its lock, with any limit an operator raised;
 * 3. if any counter now stands over its limit, the transaction throws and rolls back, and the
 *    refusal names the first such scope.
 *
 * Every counter a reservation depends on is locked from step 2 until its commit, so what it
 * checked is what it commits against: `settled + reserved ≤ limit` holds at every commit.
 * Settle and release lock the reservation row, then its counters in the same order.
 */
export class PgSpendStore implements SpendStore {
  constructor(private readonly conn: PgConnection) {}

  async reserve(request: ReservationRequest, now: number): Promise<ReserveResult> {
    const nanos = toNanos(request.usd);
    const day = utcDay(now);
    try {
      return await this.conn.transaction(async (tx): Promise<ReserveResult> => {
        const [inserted] = await tx.query<LedgerRow>(INSERT_ENTRY, reservationValues(request, day, now));
        let entry = inserted;
        if (!entry) {
          const [existing] = await tx.query<LedgerRow>(LOCK_ENTRY, keyOf(request));
          if (existing && existing.state !== 'released') {
            return { granted: true, reservation: toLedgerEntry(existing), reused: true };
          }
          [entry] = await tx.query<LedgerRow>(REOPEN, [
            ...keyOf(request),
            nanos,
            JSON.stringify(storedScopes(request.scopes)),
            day,
            now,
          ]);
        }
        const after = await addToCounters(
          tx,
          sortScopes([...request.scopes]).map((scope) => ({ ...scope, settled: 0, reserved: nanos })),
          now,
        );
        const before = after.map((state) => ({ ...state, reserved: state.reserved - nanos }));
        const refusal = request.enforce === false ? null : firstRefusal(request.scopes, before, nanos);
        if (refusal) throw new Refused(refusal);
        return { granted: true, reservation: toLedgerEntry(entry!), reused: false };
      });
    } catch (error) {
      if (error instanceof Refused) return { granted: false, refusal: error.refusal };
      throw error;
    }
  }

  settle(
    key: ReservationKey,
    settlement: Settlement,
    now: number,
  ): Promise<{ entry: LedgerEntry; crossed: SoftLimitCrossing[] } | null> {
    const t = settlement.tokens ?? null;
    return this.conn.transaction(async (tx) => {
      const [row] = await tx.query<LedgerRow>(SETTLE, [
        ...keyOf(key),
        settlement.usd === null ? null : toNanos(settlement.usd),
        t?.input ?? null,
        t?.output ?? null,
        t?.cached ?? null,
        t?.reasoning ?? null,
        now,
      ]);
      if (!row) return null;
      const scopes = JSON.parse(row.scopes) as StoredScope[];
      const states = await addToCounters(
        tx,
        scopes.map((scope) => ({ ...scope, settled: row.nanos!, reserved: -row.estimate_nanos })),
        now,
      );
      const crossed = softCrossings(scopes, states);
      for (const c of crossed) {
        await tx.query('UPDATE spend_counters SET soft_notified = true WHERE scope = $1 AND key = $2 AND period = $3', [
          c.scope,
          c.key,
          c.period,
        ]);
      }
      return { entry: toLedgerEntry(row), crossed };
    });
  }

  release(key: ReservationKey, now: number): Promise<boolean> {
    return this.conn.transaction(async (tx) => {
      const [row] = await tx.query<LedgerRow>(RELEASE, [...keyOf(key), now]);
      if (!row) return false;
      const scopes = JSON.parse(row.scopes) as StoredScope[];
      await addToCounters(
        tx,
        scopes.map((scope) => ({ ...scope, settled: 0, reserved: -row.estimate_nanos })),
        now,
      );
      return true;
    });
  }

  async get(key: ReservationKey): Promise<LedgerEntry | null> {
    const [row] = await this.conn.query<LedgerRow>(
      `SELECT ${LEDGER_COLUMNS} FROM spend_ledger WHERE ${KEY}`,
      keyOf(key),
    );
    return row ? toLedgerEntry(row) : null;
  }

  async setLimit(scope: SpendScope, key: string, usd: number | null, now: number, by: string | null): Promise<void> {
    if (usd === null) {
      await this.conn.query('DELETE FROM budget_limits WHERE scope = $1 AND key = $2', [scope, key]);
      return;
    }
    await this.conn.query(
      `INSERT INTO budget_limits (scope, key, nanos, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (scope, key) DO UPDATE SET nanos = excluded.nanos, updated_at = excluded.updated_at,
         updated_by = excluded.updated_by`,
      [scope, key, toNanos(usd), now, by],
    );
  }

  async listLimits(): Promise<BudgetLimitRecord[]> {
    const rows = await this.conn.query<{
      scope: SpendScope;
      key: string;
      nanos: number;
      updated_at: number;
      updated_by: string | null;
    }>('SELECT scope, key, nanos, updated_at, updated_by FROM budget_limits ORDER BY scope, key');
    return rows.map((r) => ({
      scope: r.scope,
      key: r.key,
      usd: fromNanos(r.nanos),
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
    }));
  }

  async counters(keys: readonly CounterKey[]): Promise<CounterRecord[]> {
    if (keys.length === 0) return [];
    const rows = await this.conn.query<CounterRow>(
      `SELECT c.scope, c.key, c.period, c.settled_nanos, c.reserved_nanos FROM spend_counters c
       JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(scope, key, period)
         ON c.scope = k.scope AND c.key = k.key AND c.period = k.period`,
      [keys.map((k) => k.scope), keys.map((k) => k.key), keys.map((k) => k.period)],
    );
    return rows.map(toCounterRecord);
  }

  async totals(query: SpendQuery): Promise<SpendTotal[]> {
    const { text, params } = totalsSql(
      query.by,
      query,
      (n) => `$${n}`,
      (column) => `coalesce(sum(${column}), 0)::bigint`,
    );
    return (await this.conn.query<TotalRow>(text, params)).map(toSpendTotal);
  }

  async runCost(runId: string): Promise<Array<{ seq: number; usd: number }>> {
    const rows = await this.conn.query<{ seq: number; nanos: number }>(
      `SELECT seq, sum(nanos)::bigint AS nanos FROM spend_ledger WHERE run_id = $1 AND state = 'settled'
       GROUP BY seq ORDER BY seq`,
      [runId],
    );
    return rows.map((r) => ({ seq: r.seq, usd: fromNanos(r.nanos) }));
  }
}

/**
 * Adds `settled` and `reserved` to each counter (creating it if missing) in one statement whose
 * rows are locked in the order given, and returns each as it now stands with its raised limit.
 */
async function addToCounters(
  tx: PgTransaction,
  deltas: ReadonlyArray<CounterKey & { settled: number; reserved: number }>,
  now: number,
): Promise<CounterState[]> {
  const values = deltas.map((_, i) => {
    const p = i * 5;
    return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}::bigint, $${p + 5}::bigint, $${deltas.length * 5 + 1}::bigint)`;
  });
  const rows = await tx.query<CounterRow & { soft_notified: boolean; raised: number | null }>(
    `INSERT INTO spend_counters AS c (scope, key, period, settled_nanos, reserved_nanos, updated_at)
     VALUES ${values.join(', ')}
     ON CONFLICT (scope, key, period) DO UPDATE SET settled_nanos = c.settled_nanos + excluded.settled_nanos,
       reserved_nanos = c.reserved_nanos + excluded.reserved_nanos, updated_at = excluded.updated_at
     RETURNING c.scope, c.key, c.period, c.settled_nanos, c.reserved_nanos, c.soft_notified,
       (SELECT l.nanos FROM budget_limits l WHERE l.scope = c.scope AND l.key = c.key) AS raised`,
    [...deltas.flatMap((d) => [d.scope, d.key, d.period, d.settled, d.reserved]), now],
  );
  return rows.map((row) => ({
    scope: row.scope as SpendScope,
    key: row.key,
    period: row.period,
    settled: row.settled_nanos,
    reserved: row.reserved_nanos,
    raised: row.raised,
    softNotified: row.soft_notified,
  }));
}

function keyOf(key: ReservationKey): [string, number, number] {
  return [key.runId, key.seq, key.attempt];
}
