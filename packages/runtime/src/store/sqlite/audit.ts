import type { AuditEntry, ChainHead } from '../../core/audit-chain.js';
import { AUDIT_COLUMNS, auditWhere, chainDrafts, toAuditEntry, type AuditRow } from '../audit-rows.js';
import type { AuditDraft, AuditFilter, AuditStore } from '../audit-store.js';
import type { SqliteConnection } from './connection.js';

const HEAD = 'SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1';
/** Entries go in with one statement per chunk of up to this many (16, 8, 4, 2, 1: five statements prepared). */
const MAX_ROWS_PER_INSERT = 16;
const INSERT = new Map(
  [16, 8, 4, 2, 1].map((rows) => [
    rows,
    `INSERT INTO audit_entries (${AUDIT_COLUMNS}) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
  ]),
);
const SCAN = `SELECT ${AUDIT_COLUMNS} FROM audit_entries WHERE seq >= ? ORDER BY seq LIMIT ?`;

/**
 * The head is read and the batch inserted inside one group-committed transaction, which holds
 * SQLite's write lock (`BEGIN IMMEDIATE`) for every process on the file: no other appender can
 * read the same head in between, so the chain never forks.
 */
export class SqliteAuditStore implements AuditStore {
  constructor(private readonly conn: SqliteConnection) {}

  append(drafts: readonly AuditDraft[], now: number): Promise<AuditEntry[]> {
    if (drafts.length === 0) return Promise.resolve([]);
    return this.conn.batcher.run(() => {
      const chained = chainDrafts(this.readHead(), drafts, now);
      for (let from = 0; from < chained.length;) {
        let rows = MAX_ROWS_PER_INSERT;
        while (rows > chained.length - from) rows /= 2;
        const values: unknown[] = [];
        for (const { entry, data } of chained.slice(from, from + rows)) {
          values.push(entry.seq, entry.at, entry.type, entry.runId, entry.principal, data, entry.prevHash, entry.hash);
        }
        this.conn.statement(INSERT.get(rows)!).run(values);
        from += rows;
      }
      return chained.map(({ entry }) => entry);
    });
  }

  list(filter: AuditFilter): Promise<AuditEntry[]> {
    const { where, params } = auditWhere(filter, () => '?');
    const rows = this.conn
      .statement(`SELECT ${AUDIT_COLUMNS} FROM audit_entries ${where} ORDER BY seq LIMIT ?`)
      .all(...params, filter.limit) as AuditRow[];
    return Promise.resolve(rows.map(toAuditEntry));
  }

  scan(fromSeq: number, batch: number): Promise<AuditEntry[]> {
    return Promise.resolve((this.conn.statement(SCAN).all(fromSeq, batch) as AuditRow[]).map(toAuditEntry));
  }

  head(): Promise<ChainHead | null> {
    return Promise.resolve(this.readHead());
  }

  private readHead(): ChainHead | null {
    const row = this.conn.statement(HEAD).get() as { seq: number; hash: string } | undefined;
    return row ? { seq: row.seq, hash: row.hash } : null;
  }
}
