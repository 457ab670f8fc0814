import { SqlOverviewStore } from '../overview-queries.js';
import type { SqliteConnection } from './connection.js';

/** The overview and change feed on SQLite: the shared queries, read on the store's connection. */
export class SqliteOverviewStore extends SqlOverviewStore {
  constructor(conn: SqliteConnection) {
    super((sql, params) => Promise.resolve(conn.statement(sql).all(...params) as Array<Record<string, unknown>>));
  }
}
