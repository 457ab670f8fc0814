import type { Statement } from 'better-sqlite3';

import type { AuditEntry, ChainHead } from '../../core/audit-chain.js';
import { AUDIT_COLUMNS, auditWhere, chainDrafts, toAuditEntry, type AuditRow } from '../audit-rows.js';
import type { AuditDraft, AuditFilter, AuditStore } from '../audit-store.js';
import type { SqliteConnection } from './connection.js';
import type { StatementCache } from './statement-cache.js';
import type { TransactionTail } from './write-batcher.js';

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
  readonly appendsWithSteps = true;
  /** Steps chain their entries in their own transaction (`AuditAtCommit`): nothing is ever staged. */
  readonly hasStaged = false;

  constructor(private readonly conn: SqliteConnection) {}

  chainStaged(): Promise<void> {
    return Promise.resolve();
  }

  append(drafts: readonly AuditDraft[], now: number): Promise<AuditEntry[]> {
    if (drafts.length === 0) return Promise.resolve([]);
    return this.conn.batcher.run(() => appendAudit((sql) => this.conn.statement(sql), drafts, now));
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
    return readHead((sql) => this.conn.statement(sql));
  }
}

/**
 * The audit entries that ride along with step writes (`StepWrite.audit`): each write adds its
 * own, and the group commit appends them all, chained and in multi-row inserts, at the end of the
 * transaction they commit in (a `TransactionTail` of the `WriteBatcher`). A write that fails takes
 * its entries with it.
 */
export class AuditAtCommit implements TransactionTail {
  private drafts: AuditDraft[] = [];

  constructor(private readonly statements: StatementCache) {}

  add(drafts: readonly AuditDraft[]): void {
    for (const draft of drafts) this.drafts.push(draft);
  }

  begin(): void {
    this.drafts = [];
  }

  mark(): number {
    return this.drafts.length;
  }

  undo(mark: number): void {
    this.drafts.length = mark;
  }

  finish(): void {
    if (this.drafts.length === 0) return;
    const drafts = this.drafts;
    this.drafts = [];
    appendAudit((sql) => this.statements.get(sql), drafts, drafts[0]!.at ?? 0);
  }
}

/**
 * Chains `drafts` onto the current last entry and inserts them. Call it inside a batched write:
 * the head is read and the entries inserted in one transaction, under SQLite's write lock.
 */
function appendAudit(statement: (sql: string) => Statement, drafts: readonly AuditDraft[], now: number): AuditEntry[] {
  const chained = chainDrafts(readHead(statement), drafts, now);
  for (let from = 0; from < chained.length;) {
    let rows = MAX_ROWS_PER_INSERT;
    while (rows > chained.length - from) rows /= 2;
    const values: unknown[] = [];
    for (const { entry, data } of chained.slice(from, from + rows)) {
      values.push(entry.seq, entry.at, entry.type, entry.runId, entry.principal, data, entry.prevHash, entry.hash);
    }
    statement(INSERT.get(rows)!).run(values);
    from += rows;
  }
  return chained.map(({ entry }) => entry);
}

function readHead(statement: (sql: string) => Statement): ChainHead | null {
  const row = statement(HEAD).get() as { seq: number; hash: string } | undefined;
  return row ? { seq: row.seq, hash: row.hash } : null;
}
