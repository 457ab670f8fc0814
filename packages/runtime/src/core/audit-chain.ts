import { createHmac, timingSafeEqual } from 'node:crypto';

import { sha256 } from './checksum.js';
import { InvalidArgumentError } from './errors.js';
import { canonicalJson, scalarJson, type JsonValue } from './json.js';

/**
 * The hash chain of the audit trail (issue 6): each entry's hash covers its fields and the hash
 * of the entry before it, over a canonical JSON encoding, so changing, inserting or removing an
 * entry breaks every hash after it. A signed head (the last sequence number and hash, signed
 * with a key kept outside the database) makes cutting entries off the end detectable too.
 * Pure functions: the store appends and reads the entries, the runtime decides what to record.
 */

/** What the runtime records: one action or outcome, with who did it and why. */
export interface AuditEntryInput {
  /** The runtime event recorded, e.g. `run.created`, `step.completed`, `policy.decided`, `escalation.resolved`. */
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

/**
 * What is wrong at the first bad entry, as far as the chain can tell: `edited` (its fields or
 * its hash were changed), `inserted` (an entry that was never appended sits in the chain),
 * `deleted` (an entry is missing), `truncated` (entries are gone from the end: only a signed
 * head can tell), `bad_head` (the signed head itself is forged or signed by another key).
 */
export type ChainDamage = 'edited' | 'inserted' | 'deleted' | 'truncated' | 'bad_head';

export type ChainVerdict =
  { ok: true; count: number; head: ChainHead | null } | { ok: false; seq: number; damage: ChainDamage; reason: string };

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

/**
 * {@link entryHash} for an entry whose `data` is already canonical JSON text (as the store keeps
 * it): the same hash, without encoding the data a second time. Appending is on every worker's
 * hot path; the keys below are written in the sorted order `canonicalJson` would give them.
 */
export function entryHashOfText(
  seq: number,
  prevHash: string,
  input: Omit<AuditEntryInput, 'data'>,
  canonicalData: string,
): string {
  // scalarJson writes what JSON.stringify would for these strings, numbers and nulls, at a
  // fraction of a call's cost.
  return sha256(
    `{"at":${scalarJson(input.at)},"data":${canonicalData},"prevHash":${scalarJson(prevHash)},` +
      `"principal":${scalarJson(input.principal)},"runId":${scalarJson(input.runId)},"seq":${seq},` +
      `"type":${scalarJson(input.type)}}`,
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
 * each linked to the one before and its hash matching its fields. Reports the first bad entry,
 * and what was done to it when the damage says so: a gap in the numbering is a deletion; an
 * entry that links to the entry two before it follows an inserted one; an entry whose hash
 * holds under its neighbour's number was renumbered after a deletion or an insertion.
 */
export function verifyChain(entries: Iterable<AuditEntry>, from: ChainHead | null = null): ChainVerdict {
  const verifier = new ChainVerifier(from);
  return verifier.check(entries) ?? { ok: true, count: verifier.count, head: verifier.head };
}

/** {@link verifyChain} page by page: feed it the entries in order, as many calls as it takes. */
export class ChainVerifier {
  /** Entries checked and found good. */
  count = 0;
  private previous: ChainHead | null;
  private beforePrevious: ChainHead | null = null;
  private readonly fromStart: boolean;

  constructor(from: ChainHead | null = null) {
    this.previous = from;
    this.fromStart = from === null;
  }

  /** The last good entry. */
  get head(): ChainHead | null {
    return this.previous;
  }

  /** The first bad entry among `entries`, or null if they all continue the chain. */
  check(entries: Iterable<AuditEntry>): Extract<ChainVerdict, { ok: false }> | null {
    for (const entry of entries) {
      const seq = this.previous === null ? 1 : this.previous.seq + 1;
      // Two back from entry 2 is the genesis; from a mid-chain start it is unknown until seen.
      const twoBack = this.beforePrevious?.hash ?? (this.fromStart && this.previous?.seq === 1 ? GENESIS_HASH : null);
      const damage = entryDamage(entry, seq, this.previous, twoBack);
      if (damage) return { ok: false, ...damage };
      this.beforePrevious = this.previous;
      this.previous = { seq: entry.seq, hash: entry.hash };
      this.count += 1;
    }
    return null;
  }
}

function entryDamage(
  entry: AuditEntry,
  seq: number,
  previous: ChainHead | null,
  twoBack: string | null,
): { seq: number; damage: ChainDamage; reason: string } | null {
  if (entry.seq > seq) {
    const missing = entry.seq - 1 === seq ? `entry ${seq} is missing` : `entries ${seq}–${entry.seq - 1} are missing`;
    return { seq, damage: 'deleted', reason: `${missing} (found ${entry.seq} in its place)` };
  }
  if (entry.seq < seq) {
    return { seq: entry.seq, damage: 'inserted', reason: `entry ${entry.seq} appears again after entry ${seq - 1}` };
  }
  const ownHashHolds = entry.hash === entryHash(entry.seq, entry.prevHash, entry);
  if (entry.prevHash !== (previous === null ? GENESIS_HASH : previous.hash)) {
    if (previous !== null && twoBack !== null && entry.prevHash === twoBack) {
      return {
        seq: previous.seq,
        damage: 'inserted',
        reason: `entry ${previous.seq} was inserted: entry ${seq} links past it to entry ${previous.seq - 1}`,
      };
    }
    if (!ownHashHolds && entry.hash === entryHash(seq + 1, entry.prevHash, entry)) {
      return {
        seq,
        damage: 'deleted',
        reason: `an entry before entry ${seq} was deleted and the ones after it renumbered (it was written as ${seq + 1})`,
      };
    }
    if (!ownHashHolds && entry.hash === entryHash(seq - 1, entry.prevHash, entry)) {
      return {
        seq: seq - 1,
        damage: 'inserted',
        reason: `an entry was inserted at ${seq - 1} and the ones after it renumbered (entry ${seq} was written as ${seq - 1})`,
      };
    }
    // Entry `seq` or the one before was rewritten with a recomputed hash; the chain cannot tell which.
    return { seq, damage: 'edited', reason: `entry ${seq} does not link to entry ${seq - 1}` };
  }
  if (!ownHashHolds) {
    return { seq, damage: 'edited', reason: `entry ${seq} was changed after it was written (its hash does not match)` };
  }
  return null;
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
  return headDamage(head, key, entryAtSeq)?.reason ?? null;
}

/** {@link verifyHead} with what is wrong: a bad head, a trail cut short, or one rewritten. */
export function headDamage(
  head: SignedHead,
  key: string,
  entryAtSeq: AuditEntry | null,
): { seq: number; damage: ChainDamage; reason: string } | null {
  const expected = Buffer.from(headSignature(head, key));
  const given = Buffer.from(String(head.signature));
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return {
      seq: head.seq,
      damage: 'bad_head',
      reason: `the signed head at entry ${head.seq} has a bad signature (another key, or edited)`,
    };
  }
  if (entryAtSeq === null) {
    return {
      seq: head.seq,
      damage: 'truncated',
      reason: `entry ${head.seq}, named by a signed head, is gone: the trail was cut short`,
    };
  }
  if (entryAtSeq.hash !== head.hash) {
    return {
      seq: head.seq,
      damage: 'edited',
      reason: `entry ${head.seq} differs from the signed head: the trail was rewritten`,
    };
  }
  return null;
}

function headSignature(head: ChainHead, key: string): string {
  if (typeof key !== 'string' || key.length < 16) {
    throw new InvalidArgumentError('The audit key must be a string of at least 16 characters');
  }
  return createHmac('sha256', key).update(`${head.seq}:${head.hash}`).digest('base64url');
}
