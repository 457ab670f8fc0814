import type { Database, Statement } from 'better-sqlite3';

import { LeaseLostError } from '../../core/errors.js';
import type { Lease } from '../queue-store.js';
import type { AuditAtCommit } from './audit.js';
import type { StatementCache } from './statement-cache.js';
import type { WriteBatcher } from './write-batcher.js';

/** What every SQLite aggregate shares: the database, its statement cache and the group commit. */
export class SqliteConnection {
  constructor(
    readonly db: Database,
    readonly batcher: WriteBatcher,
    /** Audit entries riding along with this transaction's writes, appended before its COMMIT. */
    readonly auditAtCommit: AuditAtCommit,
    private readonly statements: StatementCache,
  ) {}

  /** A prepared statement for `sql`, prepared once per connection. */
  statement(sql: string): Statement {
    return this.statements.get(sql);
  }

  /**
   * Throws `LeaseLostError` unless `lease` is the run's current lease. Call it first inside a
   * batched write: the check and the writes after it share one transaction.
   */
  assertLease(lease: Lease, renewUntil?: number): void {
    const result =
      renewUntil === undefined
        ? this.statement(FENCE).get(lease.runId, lease.owner, lease.epoch)
        : this.statement(FENCE_AND_RENEW).run(renewUntil, lease.runId, lease.owner, lease.epoch).changes;
    if (!result) throw new LeaseLostError(lease.runId);
  }
}

const FENCE = 'SELECT 1 FROM runs WHERE id = ? AND lease_owner = ? AND lease_epoch = ?';
const FENCE_AND_RENEW =
  'UPDATE runs SET lease_expires_at = max(lease_expires_at, ?) WHERE id = ? AND lease_owner = ? AND lease_epoch = ?';
