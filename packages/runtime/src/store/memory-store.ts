import { sha256 } from '../core/checksum.js';
import type { StepWrite } from './checkpoint-store.js';
import type { Lease } from './lease.js';

/** One key of an agent's memory as stored. */
export interface MemoryEntry {
  agent: string;
  key: string;
  /** The value as JSON text; null once deleted (the row stays, so versions keep counting up). */
  value: string | null;
  /** 1 for the first write of the key, then one more for every write by another step. */
  version: number;
  /** The step that wrote it last: `<runId>:<seq>`. */
  writer: string;
  updatedAt: number;
  /**
   * False when the stored value no longer matches the checksum written with it: it must not be
   * used. True for rows written before memory had checksums (they cannot be checked).
   */
  intact: boolean;
}

/** A write to an agent's memory by one step of a run. */
export interface AgentMemoryWrite {
  agent: string;
  key: string;
  /** JSON text, or null to delete the key. */
  value: string | null;
  /** The step row (in the same commit) that records this write; its output becomes `{"version":n}`. */
  seq: number;
  at: number;
}

/**
 * The memory aggregate: what agents keep across runs (`ctx.memory.agent()`), one row per
 * (agent, key). Writes are last-write-wins: each write by another step bumps the version, so a
 * reader can tell that someone wrote in between. A write is committed in the same transaction
 * as the step row that records it, fenced by that run's lease, so a crash leaves both or neither.
 * Run memory (`ctx.memory`) needs no table: it is rebuilt from the run's steps.
 */
export interface MemoryStore {
  /** The key's entry (a deleted one with `value: null`), or null if it was never written. */
  get(agent: string, key: string): Promise<MemoryEntry | null>;
  /** The agent's live keys (deleted ones left out), by key, `limit` at most, after `after`. */
  list(agent: string, options?: { limit?: number; after?: string }): Promise<MemoryEntry[]>;
  /**
   * Commits `steps` (the run's pending rows and the row at `write.seq`) and applies `write` in
   * one transaction, only if `lease` is current (else `LeaseLostError`, nothing written).
   * Resolves with the version the write got. The row at `write.seq` is stored with output
   * `{"version":n}`. Sent again after an unknown outcome, the same write (same writer
   * `<runId>:<seq>`) keeps its version instead of bumping it.
   */
  commitWrite(lease: Lease, steps: readonly StepWrite[], write: AgentMemoryWrite): Promise<number>;
}

/** The writer id of a step: its idempotency key. */
export function memoryWriter(runId: string, seq: number): string {
  return `${runId}:${seq}`;
}

/** `steps` with the row that records `write` given its version as output. */
export function withVersion(steps: readonly StepWrite[], seq: number, version: number): StepWrite[] {
  return steps.map((step) => (step.seq === seq ? { ...step, output: JSON.stringify({ version }) } : step));
}

export interface MemoryRow {
  agent: string;
  key: string;
  value: string | null;
  version: number;
  writer: string;
  updated_at: number;
  checksum: string | null;
}

export const MEMORY_COLUMNS = 'agent, key, value, version, writer, updated_at, checksum';

/** The checksum of a memory row: its agent, key and value (a deleted key's null included). */
export function memoryChecksum(agent: string, key: string, value: string | null): string {
  return sha256(`${agent}\u0000${key}\u0000${value === null ? '\u0001' : `v${value}`}`);
}

export function toMemoryEntry(row: MemoryRow): MemoryEntry {
  return {
    agent: row.agent,
    key: row.key,
    value: row.value,
    version: Number(row.version),
    writer: row.writer,
    updatedAt: Number(row.updated_at),
    intact: row.checksum === null || memoryChecksum(row.agent, row.key, row.value) === row.checksum,
  };
}
