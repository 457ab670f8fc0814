import type { Database, Statement } from 'better-sqlite3';

/** Prepared statements of one database connection, each prepared the first time its SQL is used. */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  /** A prepared statement for `sql`, prepared once per connection. */
  get(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
