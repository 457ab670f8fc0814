import type { AuditEntry, ChainHead } from '../core/audit-chain.js';
import type { JsonValue } from '../core/json.js';

/** An entry to append: what happened, already redacted. The store numbers, chains and hashes it. */
export interface AuditDraft {
  /** The event name, e.g. `run.created`, `policy.decided`, `escalation.resolved`. */
  type: string;
  /** When it happened (epoch ms); the append's `now` when not given. */
  at?: number;
  runId: string | null;
  principal: string | null;
  data: JsonValue;
  /**
   * `canonicalJson(data)`, when the caller wrote it already (the recorder does, redacting flat
   * details): the store hashes and keeps it instead of encoding `data` again, so it must be
   * exactly that text.
   */
  text?: string;
}

export interface AuditFilter {
  runId?: string;
  principal?: string;
  type?: string;
  /** Only entries after this sequence number: the page cursor. */
  afterSeq?: number;
  limit: number;
}

/**
 * The audit trail: append-only entries in one SHA-256 hash chain (`core/audit-chain.ts`). The
 * database refuses UPDATE, DELETE (and in PostgreSQL TRUNCATE) of its rows; the chain detects
 * what someone who bypasses that does.
 */
export interface AuditStore {
  /**
   * Whether step writes commit their `audit` drafts (`StepWrite.audit`) in the step's own
   * transaction, so a step's outcome and its entry commit together. SQLite chains them there;
   * PostgreSQL stages them there and chains them at its next append (`hasStaged`), because its
   * group commit writes many runs in one statement while the chain is appended under an advisory
   * lock of its own.
   */
  readonly appendsWithSteps: boolean;
  /**
   * True while step writes of this store have staged entries that no append has chained since:
   * the next `append` chains them first, and `chainStaged` does when there is nothing else to
   * append. Always false where steps chain their entries themselves (SQLite).
   */
  readonly hasStaged: boolean;
  /**
   * Chains every staged entry, a killed process's included, oldest first. A store calls it as it
   * opens; nothing to do where steps chain their entries themselves.
   */
  chainStaged(now: number): Promise<void>;
  /**
   * Appends `drafts` in order, chained onto the current last entry, in one transaction.
   * Appenders in every process take turns (SQLite's write lock; a PostgreSQL advisory lock held
   * to the commit), so the chain never forks. Returns the stored entries.
   */
  append(drafts: readonly AuditDraft[], now: number): Promise<AuditEntry[]>;
  /** Entries matching the filter, oldest first. */
  list(filter: AuditFilter): Promise<AuditEntry[]>;
  /** Up to `batch` entries from `fromSeq` on, in order, for verify and export: read page by page. */
  scan(fromSeq: number, batch: number): Promise<AuditEntry[]>;
  /** The last entry's number and hash; null while the trail is empty. */
  head(): Promise<ChainHead | null>;
}
