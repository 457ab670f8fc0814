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
import { upsertSteps } from './checkpoints.js';
import type { SqliteConnection } from './connection.js';

const SELECT = `SELECT ${MEMORY_COLUMNS} FROM memory WHERE agent = ? AND key = ?`;
const LIST = `SELECT ${MEMORY_COLUMNS} FROM memory WHERE agent = ? AND key > ? AND value IS NOT NULL
  ORDER BY key LIMIT ?`;
const UPSERT = `INSERT INTO memory (agent, key, value, version, writer, updated_at, checksum) VALUES (?, ?, ?, 1, ?, ?, ?)
  ON CONFLICT (agent, key) DO UPDATE SET value = excluded.value, checksum = excluded.checksum,
    version = CASE WHEN memory.writer = excluded.writer THEN memory.version ELSE memory.version + 1 END,
    writer = excluded.writer, updated_at = excluded.updated_at
  RETURNING version`;

/** Agent memory in SQLite: a write, its step rows and the lease check share one group-committed transaction. */
export class SqliteMemoryStore implements MemoryStore {
  constructor(private readonly conn: SqliteConnection) {}

  get(agent: string, key: string): Promise<MemoryEntry | null> {
    const row = this.conn.statement(SELECT).get(agent, key) as MemoryRow | undefined;
    return Promise.resolve(row ? toMemoryEntry(row) : null);
  }

  list(agent: string, options: { limit?: number; after?: string } = {}): Promise<MemoryEntry[]> {
    const rows = this.conn.statement(LIST).all(agent, options.after ?? '', options.limit ?? 100) as MemoryRow[];
    return Promise.resolve(rows.map(toMemoryEntry));
  }

  commitWrite(lease: Lease, steps: readonly StepWrite[], write: AgentMemoryWrite): Promise<number> {
    return this.conn.batcher.run(() => {
      this.conn.assertLease(lease);
      const writer = memoryWriter(lease.runId, write.seq);
      const checksum = memoryChecksum(write.agent, write.key, write.value);
      const { version } = this.conn
        .statement(UPSERT)
        .get(write.agent, write.key, write.value, writer, write.at, checksum) as { version: number };
      upsertSteps(this.conn, lease.runId, withVersion(steps, write.seq, version));
      return version;
    });
  }
}
