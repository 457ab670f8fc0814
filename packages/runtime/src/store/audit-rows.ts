import { entryHashOfText, GENESIS_HASH, type AuditEntry, type ChainHead } from '../core/audit-chain.js';
import { canonicalJson, type JsonValue } from '../core/json.js';
import type { AuditDraft } from './audit-store.js';

/** A row of `audit_entries`, as both dialects return it. */
export interface AuditRow {
  seq: number;
  at: number;
  type: string;
  run_id: string | null;
  principal: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

export const AUDIT_COLUMNS = 'seq, at, type, run_id, principal, data, prev_hash, hash';

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    type: row.type,
    runId: row.run_id,
    principal: row.principal,
    data: JSON.parse(row.data) as JsonValue,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Chains `drafts` after `head`. Each entry's data is stored as its canonical JSON text and hashed
 * as that text; parsing it gives back a value whose canonical encoding is the same text, so the
 * hash verifies when the entry is read back. Drafts hold JSON values (the recorder makes them so),
 * and may carry that text already.
 */
export function chainDrafts(
  head: ChainHead | null,
  drafts: readonly AuditDraft[],
  now: number,
): Array<{ entry: AuditEntry; data: string }> {
  const chained: Array<{ entry: AuditEntry; data: string }> = [];
  let previous = head;
  for (const draft of drafts) {
    const data = draft.text ?? canonicalJson(draft.data);
    const seq = previous === null ? 1 : previous.seq + 1;
    const prevHash = previous === null ? GENESIS_HASH : previous.hash;
    const { type, principal, runId } = draft;
    const at = draft.at ?? now;
    const hash = entryHashOfText(seq, prevHash, { type, at, principal, runId }, data);
    // Spelled out rather than `{ ...fields, data }`, which V8 gives a hidden class per entry.
    const entry = { type, at, principal, runId, data: draft.data, seq, prevHash, hash };
    chained.push({ entry, data });
    previous = entry;
  }
  return chained;
}

/** The WHERE clause of `list` and its parameters; `param(i)` writes the i-th placeholder. */
export function auditWhere(
  filter: { runId?: string; principal?: string; type?: string; afterSeq?: number },
  param: (index: number) => string,
): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, value: unknown, op = '='): void => {
    params.push(value);
    clauses.push(`${column} ${op} ${param(params.length)}`);
  };
  if (filter.runId !== undefined) add('run_id', filter.runId);
  if (filter.principal !== undefined) add('principal', filter.principal);
  if (filter.type !== undefined) add('type', filter.type);
  if (filter.afterSeq !== undefined) add('seq', filter.afterSeq, '>');
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
