import { SqlOverviewStore } from '../overview-queries.js';
import { numberPlaceholders } from '../run-filter-sql.js';
import type { PgConnection } from './connection.js';

/** The overview and change feed on PostgreSQL: the shared queries with numbered placeholders. */
export class PgOverviewStore extends SqlOverviewStore {
  constructor(conn: PgConnection) {
    super((sql, params) => conn.query<Record<string, unknown>>(numberPlaceholders(sql), [...params]));
  }
}
