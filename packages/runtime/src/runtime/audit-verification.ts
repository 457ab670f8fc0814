import { readFile } from 'node:fs/promises';

import { ChainVerifier, headDamage, type ChainDamage, type SignedHead } from '../core/audit-chain.js';
import { InvalidArgumentError, ValidationError } from '../core/errors.js';
import type { Store } from '../store/store.js';

export type AuditVerifyReport =
  | {
      ok: true;
      /** Entries checked. */
      count: number;
      lastSeq: number | null;
      /** The signed head checked against the trail, if one was given. */
      head: { seq: number } | null;
    }
  | { ok: false; seq: number; damage: ChainDamage; reason: string; count: number };

export interface VerifyAuditOptions {
  /** A signed head written earlier (`audit-head.json`): the trail must still reach it. */
  head?: SignedHead;
  /** Needed with `head`. */
  signingKey?: string;
  /** Entries read per query. Default 1000. */
  batch?: number;
}

/**
 * Verifies the whole audit trail in the database, page by page (never the whole table in
 * memory): the first bad entry and what happened to it, or how many entries hold. With a signed
 * head, also that the trail still reaches the head's entry with the head's hash; a trail that
 * verifies on its own but stops short of it was truncated.
 */
export async function verifyAuditTrail(store: Store, options: VerifyAuditOptions = {}): Promise<AuditVerifyReport> {
  if (options.head && options.signingKey === undefined) {
    throw new InvalidArgumentError('Checking a signed head needs the audit key (VIGIL_AUDIT_KEY or --key-file)');
  }
  const batch = options.batch ?? 1000;
  const verifier = new ChainVerifier();
  let atHead: Parameters<typeof headDamage>[2] = null;
  for (let from = 1; ;) {
    const page = await store.audit.scan(from, batch);
    const bad = verifier.check(page);
    if (bad) return { ...bad, count: verifier.count };
    if (options.head) atHead = page.find((entry) => entry.seq === options.head!.seq) ?? atHead;
    if (page.length < batch) break;
    from = page.at(-1)!.seq + 1;
  }
  const lastSeq = verifier.head?.seq ?? null;
  if (options.head) {
    const damage = headDamage(options.head, options.signingKey!, atHead);
    if (damage?.damage === 'truncated') {
      const first = (lastSeq ?? 0) + 1;
      const gone =
        first === options.head.seq ? `entry ${first} is gone` : `entries ${first}–${options.head.seq} are gone`;
      return {
        ok: false,
        seq: first,
        damage: 'truncated',
        reason: `${gone}: the trail was cut short (the signed head names entry ${options.head.seq})`,
        count: verifier.count,
      };
    }
    if (damage) return { ...damage, ok: false, count: verifier.count };
  }
  return {
    ok: true,
    count: verifier.count,
    lastSeq,
    head: options.head ? { seq: options.head.seq } : null,
  };
}

/** Reads a signed head file (`audit-head.json`). @throws ValidationError `audit_head_invalid` */
export async function readSignedHead(file: string): Promise<SignedHead> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ValidationError('audit_head_invalid', `Cannot read the signed head ${file}: ${String(error)}`);
  }
  const head = parsed as Partial<SignedHead> | null;
  if (
    typeof head !== 'object' ||
    head === null ||
    !Number.isSafeInteger(head.seq) ||
    (head.seq ?? 0) < 1 ||
    typeof head.hash !== 'string' ||
    typeof head.signature !== 'string'
  ) {
    throw new ValidationError('audit_head_invalid', `${file} is not a signed audit head ({ seq, hash, signature })`);
  }
  return { seq: head.seq!, hash: head.hash, signature: head.signature };
}
