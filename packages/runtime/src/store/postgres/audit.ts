import type { AuditEntry, ChainHead } from '../../core/audit-chain.js';
import type { JsonValue } from '../../core/json.js';
import { AUDIT_COLUMNS, auditWhere, chainDrafts, toAuditEntry, type AuditRow } from '../audit-rows.js';
import type { AuditDraft, AuditFilter, AuditStore } from '../audit-store.js';
import type { PgConnection } from './connection.js';

const LOCK = 'SELECT pg_advisory_xact_lock(hashtext($1))';
const HEAD = 'SELECT seq, hash FROM audit_entries ORDER BY seq DESC LIMIT 1';
const ROWS =
  'unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])';
const INSERT = `INSERT INTO audit_entries (${AUDIT_COLUMNS}) SELECT * FROM ${ROWS}`;
/**
 * A batch chained onto the head this store appended last, in one statement: it takes the lock
 * before its first row goes in (the lock's CTE is scanned before any row is produced), so it
 * waits for an appender in a transaction, and the `seq` key refuses it if the head moved on.
 */
const INSERT_ON_KNOWN_HEAD = `WITH lock AS (SELECT pg_advisory_xact_lock(hashtext($9)))
  INSERT INTO audit_entries (${AUDIT_COLUMNS}) SELECT rows.* FROM lock CROSS JOIN ${ROWS} AS rows`;
const SCAN = `SELECT ${AUDIT_COLUMNS} FROM audit_entries WHERE seq >= $1 ORDER BY seq LIMIT $2`;
/** Staged entries an append chains at most: a backlog (a long outage's) is chained in turns. */
const MAX_STAGED = 5_000;
/** The oldest staged entries, removed: run under the lock, so no other appender takes them too. */
const TAKE_STAGED = `WITH taken AS (
    DELETE FROM audit_staged WHERE id IN (SELECT id FROM audit_staged ORDER BY id LIMIT $1)
    RETURNING id, at, type, run_id, principal, data
  ) SELECT at, type, run_id, principal, data FROM taken ORDER BY id`;
/** SQLSTATE unique_violation: here, a `seq` another appender took first. */
const UNIQUE_VIOLATION = '23505';

type Chained = ReturnType<typeof chainDrafts>;

/**
 * Appenders on every machine take turns under a transaction-scoped advisory lock keyed by the
 * schema: each reads the head and inserts its batch (one statement) before the lock is released
 * by its commit, so the chain never forks. The primary key on `seq` would refuse a fork anyway.
 *
 * A store that knows the head because it appended it last chains the next batch onto it and
 * appends in one statement (one round trip instead of five), under the same lock. If another
 * appender got in between, the batch's first `seq` is taken: the key refuses the whole statement,
 * and the batch is appended again the long way, on the head read under the lock. Entries are
 * numbered without gaps, so a head that moved always collides there: the chain cannot fork.
 *
 * Step writes stage their entries (`StepWrite.audit`) in `audit_staged`, in the step's own
 * statement of the group commit, which writes many runs at once and so cannot take this lock
 * without making every worker's step writes wait on one another. The next append of this store
 * (`hasStaged`; of nothing if need be, `chainStaged`) chains them first, every process's staged
 * entries oldest first, and removes them in its transaction. A process killed before that
 * leaves its entries staged, not lost: the next append of another process, or the next store to
 * open, chains them.
 *
 * `PgConnection` sends a statement or runs a transaction again when the connection drops; if it
 * dropped during a commit that succeeded, the batch is appended twice. The chain stays valid
 * (the copies are chained like any entry); the trail then shows those events twice.
 */
export class PgAuditStore implements AuditStore {
  readonly appendsWithSteps = true;
  private readonly lockKey: string;
  /** The head as this store's last append left it; null when unknown or possibly stale. */
  private knownHead: ChainHead | null = null;
  private stagedSinceChained = false;

  constructor(private readonly conn: PgConnection) {
    this.lockKey = `vigil.audit.${conn.schema}`;
  }

  get hasStaged(): boolean {
    return this.stagedSinceChained;
  }

  /** Told once a statement that staged entries (`audit_staged`) committed: a step write, suspension or memory write. */
  staged(): void {
    this.stagedSinceChained = true;
  }

  async chainStaged(now: number): Promise<void> {
    await this.appendWithStaged([], now);
  }

  async append(drafts: readonly AuditDraft[], now: number): Promise<AuditEntry[]> {
    if (this.stagedSinceChained) return this.appendWithStaged(drafts, now);
    if (drafts.length === 0) return [];
    const known = this.knownHead;
    this.knownHead = null;
    let chained: Chained | null = null;
    if (known) {
      chained = chainDrafts(known, drafts, now);
      try {
        await this.conn.query(INSERT_ON_KNOWN_HEAD, [...columns(chained), this.lockKey]);
      } catch (error) {
        if ((error as { code?: unknown } | null)?.code !== UNIQUE_VIOLATION) throw error;
        chained = null;
      }
    }
    chained ??= await this.appendOnStoredHead(drafts, now);
    const entries = chained.map(({ entry }) => entry);
    const last = entries.at(-1)!;
    this.knownHead = { seq: last.seq, hash: last.hash };
    return entries;
  }

  /**
   * Chains the staged entries (every process's, oldest first), then `drafts`, on the head read
   * under the lock, and removes what it chained from the staging table in the same transaction.
   * Returns the entries of `drafts`.
   */
  private async appendWithStaged(drafts: readonly AuditDraft[], now: number): Promise<AuditEntry[]> {
    this.stagedSinceChained = false;
    this.knownHead = null;
    let staged = 0;
    let chained: Chained;
    try {
      chained = await this.conn.transaction(async (tx) => {
        await tx.query(LOCK, [this.lockKey]);
        const rows = await tx.query<StagedRow>(TAKE_STAGED, [MAX_STAGED]);
        staged = rows.length;
        const [head] = await tx.query<{ seq: number; hash: string }>(HEAD);
        const all = [...rows.map(stagedDraft), ...drafts];
        const chained = chainDrafts(head ? { seq: Number(head.seq), hash: head.hash } : null, all, now);
        if (chained.length > 0) await tx.query(INSERT, columns(chained));
        return chained;
      });
    } catch (error) {
      // Rolled back: the staged entries are still there for the next append.
      this.stagedSinceChained = true;
      throw error;
    }
    // More than one turn's worth was staged: the next append goes on with the rest.
    if (staged === MAX_STAGED) this.stagedSinceChained = true;
    const last = chained.at(-1);
    if (last) this.knownHead = { seq: last.entry.seq, hash: last.entry.hash };
    return chained.slice(staged).map(({ entry }) => entry);
  }

  private appendOnStoredHead(drafts: readonly AuditDraft[], now: number): Promise<Chained> {
    return this.conn.transaction(async (tx) => {
      await tx.query(LOCK, [this.lockKey]);
      const [row] = await tx.query<{ seq: number; hash: string }>(HEAD);
      const chained = chainDrafts(row ? { seq: Number(row.seq), hash: row.hash } : null, drafts, now);
      await tx.query(INSERT, columns(chained));
      return chained;
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

interface StagedRow {
  at: number;
  type: string;
  run_id: string | null;
  principal: string | null;
  data: string;
}

/** A staged entry as a draft again; its text is the canonical JSON it will be hashed as. */
function stagedDraft(row: StagedRow): AuditDraft {
  const data = JSON.parse(row.data) as JsonValue;
  return { type: row.type, at: Number(row.at), runId: row.run_id, principal: row.principal, data, text: row.data };
}

/** A chained batch as the insert's eight arrays, one per column. */
function columns(chained: Chained): unknown[] {
  const column = <T>(pick: (item: Chained[number]) => T): T[] => chained.map(pick);
  return [
    column(({ entry }) => entry.seq),
    column(({ entry }) => entry.at),
    column(({ entry }) => entry.type),
    column(({ entry }) => entry.runId),
    column(({ entry }) => entry.principal),
    column(({ data }) => data),
    column(({ entry }) => entry.prevHash),
    column(({ entry }) => entry.hash),
  ];
}
