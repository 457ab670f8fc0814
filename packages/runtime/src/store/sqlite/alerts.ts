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
import type { SqliteConnection } from './connection.js';

const FIRE = `INSERT INTO alerts (rule_id, state, since, resolved_at, value, threshold, message, evaluated_at)
  VALUES (?, 'firing', ?, NULL, ?, ?, ?, ?)
  ON CONFLICT (rule_id) DO UPDATE SET state = 'firing', since = excluded.since, resolved_at = NULL,
    value = excluded.value, threshold = excluded.threshold, message = excluded.message, evaluated_at = excluded.evaluated_at
  WHERE alerts.state = 'resolved'
  RETURNING rule_id`;
const RESOLVE = `UPDATE alerts SET state = 'resolved', resolved_at = ?, value = ?, threshold = ?, message = ?, evaluated_at = ?
  WHERE rule_id = ? AND state = 'firing' RETURNING rule_id`;
const REFRESH = 'UPDATE alerts SET value = ?, threshold = ?, message = ?, evaluated_at = ? WHERE rule_id = ?';
const INSERT_OUTBOX = `INSERT INTO outbox (id, topic, payload, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)
  ON CONFLICT (id) DO NOTHING`;

/** Alert state in SQLite: a transition and its outbox message share one group-committed transaction. */
export class SqliteAlertStore implements AlertStore {
  constructor(private readonly conn: SqliteConnection) {}

  list(): Promise<AlertRecord[]> {
    const rows = this.conn.statement(`SELECT ${ALERT_COLUMNS} FROM alerts ${ALERT_ORDER}`).all() as AlertRow[];
    return Promise.resolve(rows.map(toAlertRecord));
  }

  observe(o: AlertObservation, notification: NewOutboxMessage): Promise<AlertObserved> {
    return this.conn.batcher.run(() => {
      const moved = o.breached
        ? this.conn.statement(FIRE).get(o.ruleId, o.now, o.value, o.threshold, o.message, o.now)
        : this.conn.statement(RESOLVE).get(o.now, o.value, o.threshold, o.message, o.now, o.ruleId);
      if (moved) {
        const n = notification;
        this.conn.statement(INSERT_OUTBOX).run(n.id, n.topic, n.payload, n.createdAt, n.createdAt);
      } else {
        this.conn.statement(REFRESH).run(o.value, o.threshold, o.message, o.now, o.ruleId);
      }
      const row = this.conn.statement(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE rule_id = ?`).get(o.ruleId) as
        AlertRow | undefined;
      const transition = moved ? (o.breached ? 'fired' : 'resolved') : null;
      return { transition, alert: row ? toAlertRecord(row) : null };
    });
  }
}
