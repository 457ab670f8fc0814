import type { AuditEntry, ChainHead } from '../../core/audit-chain.js';
import { AUDIT_COLUMNS, auditWhere, chainDrafts, toAuditEntry, type AuditRow } from '../audit-rows.js';
import type { AuditDraft, AuditFilter, AuditStore } from '../audit-store.js';
import type { PgConnection } from './connection.js';

const LOCK = 'SELECT pg_advisory_xact_lock(hashtext($1))';
const HEAD = 'SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1';
const INSERT = `INSERT INTO audit_entries (${AUDIT_COLUMNS})
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`;
const SCAN = `SELECT ${AUDIT_COLUMNS} FROM audit_entries WHERE seq >= $1 ORDER BY seq LIMIT $2`;

/**
 * Appenders on every machine take turns under a transaction-scoped advisory lock keyed by the
 * schema: each reads the head and inserts its batch (one statement) before the lock is released
 * by its commit, so the chain never forks. The primary key on `seq` would refuse a fork anyway.
 *
 * `PgConnection.transaction` runs the whole append again when the connection drops; if it
 * dropped during a COMMIT that succeeded, the batch is appended twice. The chain stays valid
 * (the copies are chained like any entry); the trail then shows those events twice.
 */
export class PgAuditStore implements AuditStore {
  private readonly lockKey: string;

  constructor(private readonly conn: PgConnection) {
    this.lockKey = `vigil.audit.${conn.schema}`;
  }

  async append(drafts: readonly AuditDraft[], now: number): Promise<AuditEntry[]> {
    if (drafts.length === 0) return [];
    return this.conn.transaction(async (tx) => {
      await tx.query(LOCK, [this.lockKey]);
      const [row] = await tx.query<{ seq: number; hash: string }>(HEAD);
      const chained = chainDrafts(row ? { seq: Number(row.seq), hash: row.hash } : null, drafts, now);
      const column = <T>(pick: (item: (typeof chained)[number]) => T): T[] => chained.map(pick);
      await tx.query(INSERT, [
        column(({ entry }) => entry.seq),
        column(({ entry }) => entry.at),
        column(({ entry }) => entry.type),
        column(({ entry }) => entry.runId),
        column(({ entry }) => entry.principal),
        column(({ data }) => data),
        column(({ entry }) => entry.prevHash),
        column(({ entry }) => entry.hash),
      ]);
      return chained.map(({ entry }) => entry);
    });
  }

  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    const { where, params } = auditWhere(filter, (i) => `$${i}`);
    const rows = await this.conn.query<AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_entries ${where} ORDER BY seq LIMIT $${params.length + 1}`,
      [...params, filter.limit],
    );
    return rows.map(toAuditEntry);
  }

  async scan(fromSeq: number, batch: number): Promise<AuditEntry[]> {
    return (await this.conn.query<AuditRow>(SCAN, [fromSeq, batch])).map(toAuditEntry);
  }

  async head(): Promise<ChainHead | null> {
    const [row] = await this.conn.query<{ seq: number; hash: string }>(HEAD);
    return row ? { seq: Number(row.seq), hash: row.hash } : null;
  }
}
