import {
  ALERT_COLUMNS,
  ALERT_ORDER,
  toAlertRecord,
  type AlertObservation,
  type AlertObserved,
  type AlertRecord,
  type AlertRow,
  type AlertStore,
} from '../alert-store.js';
import type { NewOutboxMessage } from '../outbox-store.js';
import type { PgConnection } from './connection.js';

/**
 * The transition and its outbox message in one statement. A concurrent evaluator's upsert waits
 * on the row lock and then finds the state already changed, so it moves nothing.
 */
const FIRE = `WITH moved AS (
    INSERT INTO alerts (rule_id, state, since, resolved_at, value, threshold, message, evaluated_at)
    VALUES ($1, 'firing', $2, NULL, $3, $4, $5, $2)
    ON CONFLICT (rule_id) DO UPDATE SET state = 'firing', since = excluded.since, resolved_at = NULL,
      value = excluded.value, threshold = excluded.threshold, message = excluded.message,
      evaluated_at = excluded.evaluated_at
    WHERE alerts.state = 'resolved'
    RETURNING rule_id),
  announced AS (INSERT INTO outbox (id, topic, payload, next_attempt_at, created_at)
    SELECT $6, $7, $8, $2, $2 WHERE EXISTS (SELECT 1 FROM moved) ON CONFLICT (id) DO NOTHING)
  SELECT count(*)::int AS moved FROM moved`;
const RESOLVE = `WITH moved AS (
    UPDATE alerts SET state = 'resolved', resolved_at = $2, value = $3, threshold = $4, message = $5, evaluated_at = $2
    WHERE rule_id = $1 AND state = 'firing' RETURNING rule_id),
  announced AS (INSERT INTO outbox (id, topic, payload, next_attempt_at, created_at)
    SELECT $6, $7, $8, $2, $2 WHERE EXISTS (SELECT 1 FROM moved) ON CONFLICT (id) DO NOTHING)
  SELECT count(*)::int AS moved FROM moved`;
const REFRESH = 'UPDATE alerts SET value = $2, threshold = $3, message = $4, evaluated_at = $5 WHERE rule_id = $1';

/** Alert state in PostgreSQL: each transition is one conditional statement with its outbox message. */
export class PgAlertStore implements AlertStore {
  constructor(private readonly conn: PgConnection) {}

  async list(): Promise<AlertRecord[]> {
    const rows = await this.conn.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts ${ALERT_ORDER}`, []);
    return rows.map(toAlertRecord);
  }

  async observe(o: AlertObservation, n: NewOutboxMessage): Promise<AlertObserved> {
    const params = [o.ruleId, o.now, o.value, o.threshold, o.message, n.id, n.topic, n.payload];
    const [result] = await this.conn.query<{ moved: number }>(o.breached ? FIRE : RESOLVE, params);
    const moved = (result?.moved ?? 0) > 0;
    if (!moved) await this.conn.query(REFRESH, [o.ruleId, o.value, o.threshold, o.message, o.now]);
    const [row] = await this.conn.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE rule_id = $1`, [o.ruleId]);
    const transition = moved ? (o.breached ? 'fired' : 'resolved') : null;
    return { transition, alert: row ? toAlertRecord(row) : null };
  }
}
