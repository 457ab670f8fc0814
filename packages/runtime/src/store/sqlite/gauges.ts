import type { DeploymentGauges, GaugeStore } from '../gauge-store.js';
import { BREAKER_STATUSES_SQL, toGauges, type GaugeRow } from '../gauge-rows.js';
import type { SqliteConnection } from './connection.js';

// INDEXED BY, as in the claim: without statistics SQLite might scan the runs table instead.
const READ = `SELECT
  (SELECT COUNT(*) FROM escalations INDEXED BY escalations_open WHERE status = 'open') AS open_escalations,
  (SELECT COUNT(*) FROM dead_letters INDEXED BY dead_letters_open WHERE replayed_at IS NULL) AS dead_letters,
  (SELECT MIN(ready_at) FROM runs INDEXED BY runs_ready
     WHERE ready_at IS NOT NULL AND ready_at <= ? AND flow_state <> 1) AS oldest_ready,
  (SELECT MIN(lease_expires_at) FROM runs INDEXED BY runs_lease_expiry
     WHERE lease_owner IS NOT NULL AND lease_expires_at <= ?) AS oldest_expired`;

/** The deployment's gauges in two read statements (see `GaugeStore`). */
export class SqliteGaugeStore implements GaugeStore {
  constructor(private readonly conn: SqliteConnection) {}

  read(now: number): Promise<DeploymentGauges> {
    const row = this.conn.statement(READ).get(now, now) as GaugeRow;
    const breakers = this.conn.statement(BREAKER_STATUSES_SQL).all() as DeploymentGauges['breakers'];
    return Promise.resolve(toGauges(row, breakers));
  }
}
