import { createHmac, timingSafeEqual } from 'node:crypto';

import { sha256 } from './checksum.js';
import { InvalidArgumentError } from './errors.js';
import { canonicalJson, type JsonValue } from './json.js';

/**
 * The hash chain of the audit trail (issue 6): each entry's hash covers its fields and the hash
 * of the entry before it, over a canonical JSON encoding, so changing, inserting or removing an
 * entry breaks every hash after it. A signed head (the last sequence number and hash, signed
 * with a key kept outside the database) makes cutting entries off the end detectable too.
 * Pure functions: the store appends and reads the entries, the runtime decides what to record.
 */

/** What the runtime records: one action or outcome, with who did it and why. */
export interface AuditEntryInput {
  /** e.g. `run.triggered`, `step.completed`, `tool.called`, `policy.denied`, `escalation.resolved`. */
  type: string;
  /** Epoch milliseconds. */
  at: number;
  /** Who acted (an API key, a user, a schedule, an agent), when known. */
  principal: string | null;
  runId: string | null;
  /** Details, already redacted. */
  data: JsonValue;
}

/** An entry as stored: numbered from 1, chained to the one before. */
export interface AuditEntry extends AuditEntryInput {
  seq: number;
  prevHash: string;
  hash: string;
}

/** The `prevHash` of entry 1. */
export const GENESIS_HASH = sha256('vigil.audit.genesis');

/** The last entry of the chain at some moment: what a signed head attests. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export interface SignedHead extends ChainHead {
  /** HMAC-SHA256 of `<seq>:<hash>` under the audit key, base64url. */
  signature: string;
}

export type ChainVerdict =
  { ok: true; count: number; head: ChainHead | null } | { ok: false; seq: number; reason: string };

/** The hash of an entry at `seq` after `prevHash`. */
export function entryHash(seq: number, prevHash: string, input: AuditEntryInput): string {
  return sha256(
    canonicalJson({
      seq,
      prevHash,
      type: input.type,
      at: input.at,
      principal: input.principal,
      runId: input.runId,
      data: input.data,
    }),
  );
}

/** Chains `input` after `previous` (null for the first entry). */
export function chainEntry(previous: ChainHead | null, input: AuditEntryInput): AuditEntry {
  const seq = previous === null ? 1 : previous.seq + 1;
  const prevHash = previous === null ? GENESIS_HASH : previous.hash;
  return { ...input, seq, prevHash, hash: entryHash(seq, prevHash, input) };
}

/**
 * Checks entries in sequence order, from the first or after `from`: numbering without gaps,
 * each linked to the one before and its hash matching its fields. Reports the first bad entry.
 */
export function verifyChain(entries: Iterable<AuditEntry>, from: ChainHead | null = null): ChainVerdict {
  let previous = from;
  let count = 0;
  for (const entry of entries) {
    const seq = previous === null ? 1 : previous.seq + 1;
    if (entry.seq !== seq) {
      return { ok: false, seq, reason: `entry ${seq} is missing (found ${entry.seq} in its place)` };
    }
    if (entry.prevHash !== (previous === null ? GENESIS_HASH : previous.hash)) {
      return { ok: false, seq, reason: `entry ${seq} does not link to entry ${seq - 1}` };
    }
    if (entry.hash !== entryHash(entry.seq, entry.prevHash, entry)) {
      return { ok: false, seq, reason: `entry ${seq} was changed after it was written (its hash does not match)` };
    }
    previous = { seq: entry.seq, hash: entry.hash };
    count += 1;
  }
  return { ok: true, count, head: previous };
}

/** Signs `head` with the audit key (kept outside the database). */
export function signHead(head: ChainHead, key: string): SignedHead {
  return { seq: head.seq, hash: head.hash, signature: headSignature(head, key) };
}

/**
 * Checks a signed head against the key and the chain as it is now: signed by the key, and the
 * chain still holds the entry it names with the same hash. A chain cut short, or rewritten
 * from a point before the head, fails here even when it verifies on its own.
 */
export function verifyHead(head: SignedHead, key: string, entryAtSeq: AuditEntry | null): string | null {
  const expected = Buffer.from(headSignature(head, key));
  const given = Buffer.from(head.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return `the signed head at entry ${head.seq} has a bad signature (another key, or edited)`;
  }
  if (entryAtSeq === null) return `entry ${head.seq}, named by a signed head, is gone: the trail was cut short`;
  if (entryAtSeq.hash !== head.hash) return `entry ${head.seq} differs from the signed head: the trail was rewritten`;
  return null;
}

function headSignature(head: ChainHead, key: string): string {
  if (typeof key !== 'string' || key.length < 16) {
    throw new InvalidArgumentError('The audit key must be a string of at least 16 characters');
  }
  return createHmac('sha256', key).update(`${head.seq}:${head.hash}`).digest('base64url');
}
