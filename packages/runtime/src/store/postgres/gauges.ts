import type { DeploymentGauges, GaugeStore } from '../gauge-store.js';
import { BREAKER_STATUSES_SQL, toGauges, type GaugeRow } from '../gauge-rows.js';
import type { PgConnection } from './connection.js';

// Each condition repeats its partial index's predicate, so the planner can use the index.
const READ = `SELECT
  (SELECT COUNT(*) FROM escalations WHERE status = 'open') AS open_escalations,
  (SELECT COUNT(*) FROM dead_letters WHERE replayed_at IS NULL) AS dead_letters,
  (SELECT MIN(ready_at) FROM runs WHERE ready_at IS NOT NULL AND ready_at <= $1 AND flow_state <> 1) AS oldest_ready,
  (SELECT MIN(lease_expires_at) FROM runs WHERE lease_owner IS NOT NULL AND lease_expires_at <= $1) AS oldest_expired`;

/**
 * The deployment's gauges in two statements sent together (see `GaugeStore`). Straight to the
 * pool, not through the connection's retries: a scrape must not hang while the database is away.
 */
export class PgGaugeStore implements GaugeStore {
  constructor(private readonly conn: PgConnection) {}

  async read(now: number): Promise<DeploymentGauges> {
    const [counts, breakers] = await Promise.all([
      this.conn.pool.query<GaugeRow>(READ, [now]),
      this.conn.pool.query<DeploymentGauges['breakers'][number]>(BREAKER_STATUSES_SQL),
    ]);
    return toGauges(counts.rows[0]!, breakers.rows);
  }
}
