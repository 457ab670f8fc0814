import { LeaseLostError } from '../../core/errors.js';
import type { StepWrite } from '../checkpoint-store.js';
import type { Lease } from '../lease.js';
import {
  MEMORY_COLUMNS,
  memoryChecksum,
  memoryWriter,
  toMemoryEntry,
  withVersion,
  type AgentMemoryWrite,
  type MemoryEntry,
  type MemoryRow,
  type MemoryStore,
} from '../memory-store.js';
import type { PgConnection } from './connection.js';
import { stagesAudit, stepWritesSql } from './step-arrays.js';

const FENCE = 'SELECT id FROM runs WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 FOR NO KEY UPDATE';
/** The fence and the upsert in one statement: no row back means the lease is gone and nothing was written. */
const UPSERT = `WITH fence AS (${FENCE})
  INSERT INTO memory (agent, key, value, version, writer, updated_at, checksum)
  SELECT $4, $5, $6, 1, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM fence)
  ON CONFLICT (agent, key) DO UPDATE SET value = excluded.value, checksum = excluded.checksum,
    version = CASE WHEN memory.writer = excluded.writer THEN memory.version ELSE memory.version + 1 END,
    writer = excluded.writer, updated_at = excluded.updated_at
  RETURNING version`;

/**
 * Agent memory in PostgreSQL. A write needs its version before its step row can record it, so
 * it is one of the few writes that take a short transaction: the fenced upsert, then the step
 * rows (fenced again). The transaction may be run again after a dropped connection; the writer
 * check in the upsert keeps the version of a write that had already committed.
 */
export class PgMemoryStore implements MemoryStore {
  constructor(
    private readonly conn: PgConnection,
    /** Told when a memory write whose steps staged audit entries (`StepWrite.audit`) has committed. */
    private readonly onStaged: () => void,
  ) {}

  async get(agent: string, key: string): Promise<MemoryEntry | null> {
    const [row] = await this.conn.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memory WHERE agent = $1 AND key = $2`,
      [agent, key],
    );
    return row ? toMemoryEntry(row) : null;
  }

  async list(agent: string, options: { limit?: number; after?: string } = {}): Promise<MemoryEntry[]> {
    const rows = await this.conn.query<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memory WHERE agent = $1 AND key > $2 AND value IS NOT NULL ORDER BY key LIMIT $3`,
      [agent, options.after ?? '', options.limit ?? 100],
    );
    return rows.map(toMemoryEntry);
  }

  async commitWrite(lease: Lease, steps: readonly StepWrite[], write: AgentMemoryWrite): Promise<number> {
    const fence = [lease.runId, lease.owner, lease.epoch];
    const version = await this.conn.transaction(async (tx) => {
      const writer = memoryWriter(lease.runId, write.seq);
      const [row] = await tx.query<{ version: number }>(UPSERT, [
        ...fence,
        write.agent,
        write.key,
        write.value,
        writer,
        write.at,
        memoryChecksum(write.agent, write.key, write.value),
      ]);
      if (!row) throw new LeaseLostError(lease.runId);
      const version = Number(row.version);
      const writes = stepWritesSql([{ runId: lease.runId, steps: withVersion(steps, write.seq, version) }], 4, 'fence');
      await tx.query(`WITH fence AS (${FENCE}), ${writes.ctes} SELECT count(*)::int AS fenced FROM fence`, [
        ...fence,
        ...writes.params,
      ]);
      return version;
    });
    if (stagesAudit(steps)) this.onStaged();
    return version;
  }
}
