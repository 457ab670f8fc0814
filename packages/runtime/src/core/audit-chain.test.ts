import { describe, expect, it } from 'vitest';

import { canonicalJson } from './json.js';

import {
  chainEntry,
  ChainVerifier,
  entryHash,
  entryHashOfText,
  headDamage,
  GENESIS_HASH,
  signHead,
  verifyChain,
  verifyHead,
  type AuditEntry,
  type AuditEntryInput,
} from './audit-chain.js';

const KEY = 'audit-key-kept-outside-the-db';

function trail(count: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    const input: AuditEntryInput = {
      type: i % 2 ? 'step.completed' : 'tool.called',
      at: 1_790_000_000_000 + i,
      principal: i === 0 ? 'key:ops' : null,
      runId: 'run-1',
      data: { step: `s${i}`, args: { patientId: 'P-1', dose: i } },
    };
    entries.push(chainEntry(entries.at(-1) ?? null, input));
  }
  return entries;
}

describe('audit hash chain', () => {
  it('numbers entries from 1, links each to the one before, and verifies an intact trail', () => {
    const entries = trail(5);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    expect(entries[3]!.prevHash).toBe(entries[2]!.hash);
    expect(verifyChain(entries)).toEqual({ ok: true, count: 5, head: { seq: 5, hash: entries[4]!.hash } });
    // From a verified point onwards, as an incremental check would.
    expect(verifyChain(entries.slice(3), { seq: 3, hash: entries[2]!.hash })).toMatchObject({ ok: true, count: 2 });
  });

  it('hashes a canonical encoding: the key order of the details does not matter', () => {
    const a = chainEntry(null, { type: 't', at: 1, principal: null, runId: null, data: { x: 1, y: [1, 2] } });
    const b = chainEntry(null, { type: 't', at: 1, principal: null, runId: null, data: { y: [1, 2], x: 1 } });
    expect(a.hash).toBe(b.hash);
  });

  it('reports the first entry that was edited, removed or inserted', () => {
    const edited = trail(5);
    edited[2] = { ...edited[2]!, data: { step: 's2', args: { patientId: 'P-2', dose: 2 } } };
    const afterEdit = verifyChain(edited);
    expect(afterEdit).toMatchObject({ ok: false, seq: 3 });
    expect(afterEdit.ok ? '' : afterEdit.reason).toMatch(/entry 3 was changed/);

    const removed = trail(5).filter((e) => e.seq !== 2);
    const afterRemoval = verifyChain(removed);
    expect(afterRemoval).toMatchObject({ ok: false, seq: 2 });
    expect(afterRemoval.ok ? '' : afterRemoval.reason).toMatch(/entry 2 is missing/);

    // Rewritten from entry 3 on with valid hashes: the chain itself holds, the link to 2 does not.
    const original = trail(5);
    const forged = chainEntry({ seq: 2, hash: 'not-the-real-hash' }, { ...original[2]!, data: 'forged' });
    expect(verifyChain([...original.slice(0, 2), forged])).toMatchObject({ ok: false, seq: 3 });
  });

  it('detects a trail cut short or rewritten with a signed head, and a head signed by another key', () => {
    const entries = trail(6);
    const head = signHead({ seq: 6, hash: entries[5]!.hash }, KEY);
    expect(verifyHead(head, KEY, entries[5]!)).toBeNull();

    // The last two entries deleted: the shorter trail verifies on its own, the head does not.
    expect(verifyChain(entries.slice(0, 4)).ok).toBe(true);
    expect(verifyHead(head, KEY, null)).toMatch(/entry 6, named by a signed head, is gone/);

    // Rebuilt from entry 1 with other content: hashes differ at the head's entry.
    const rebuilt: AuditEntry[] = [];
    for (const e of entries) rebuilt.push(chainEntry(rebuilt.at(-1) ?? null, { ...e, data: 'rewritten' }));
    expect(verifyChain(rebuilt).ok).toBe(true);
    expect(verifyHead(head, KEY, rebuilt[5]!)).toMatch(/differs from the signed head/);

    expect(verifyHead(head, 'another-key-of-enough-length', entries[5]!)).toMatch(/bad signature/);
    expect(verifyHead({ ...head, seq: 5 }, KEY, entries[4]!)).toMatch(/bad signature/);
    expect(() => signHead(head, 'short')).toThrow(/at least 16 characters/);
  });

  it('names the damage: edited, deleted (with or without renumbering), inserted (with or without a valid hash)', () => {
    const edited = trail(6);
    edited[3] = { ...edited[3]!, principal: 'key:mallory' };
    expect(verifyChain(edited)).toMatchObject({ ok: false, seq: 4, damage: 'edited' });

    expect(verifyChain(trail(6).filter((e) => e.seq !== 3 && e.seq !== 4))).toMatchObject({
      ok: false,
      seq: 3,
      damage: 'deleted',
      reason: expect.stringMatching(/entries 3–4 are missing/) as unknown,
    });
    // Entry 3 deleted and the later ones renumbered down to close the gap.
    const renumbered = trail(6)
      .filter((e) => e.seq !== 3)
      .map((e) => (e.seq > 3 ? { ...e, seq: e.seq - 1 } : e));
    expect(verifyChain(renumbered)).toMatchObject({ ok: false, seq: 3, damage: 'deleted' });

    // A forged entry 3, chained properly onto entry 2, the originals from 3 on renumbered up.
    const original = trail(5);
    const forged = chainEntry(original[1]!, { type: 'tool.called', at: 1, principal: null, runId: null, data: 'x' });
    const inserted = [...original.slice(0, 2), forged, ...original.slice(2).map((e) => ({ ...e, seq: e.seq + 1 }))];
    expect(verifyChain(inserted)).toMatchObject({ ok: false, seq: 3, damage: 'inserted' });
    // The same with a made-up hash: entry 3 itself fails; the renumbered entry after it says why.
    const sloppy = inserted.map((e) => (e.seq === 3 ? { ...e, hash: entryHash(3, 'x', e) } : e));
    expect(verifyChain(sloppy)).toMatchObject({ ok: false, seq: 3 });
  });

  it('verifies page by page with the same result as in one go', () => {
    const entries = trail(9);
    const verifier = new ChainVerifier();
    for (let i = 0; i < 9; i += 2) expect(verifier.check(entries.slice(i, i + 2))).toBeNull();
    expect(verifier).toMatchObject({ count: 9, head: { seq: 9, hash: entries[8]!.hash } });

    const inserted = [...entries.slice(0, 4)];
    inserted.push(chainEntry(entries[3]!, { type: 'x', at: 1, principal: null, runId: null, data: null }));
    inserted.push(...entries.slice(4).map((e) => ({ ...e, seq: e.seq + 1 })));
    const paged = new ChainVerifier();
    expect(paged.check(inserted.slice(0, 5))).toBeNull();
    expect(paged.check(inserted.slice(5))).toMatchObject({ seq: 5, damage: 'inserted' });
  });

  it('tells a cut-short trail from a rewritten one and a forged head', () => {
    const entries = trail(4);
    const head = signHead({ seq: 4, hash: entries[3]!.hash }, KEY);
    expect(headDamage(head, KEY, entries[3]!)).toBeNull();
    expect(headDamage(head, KEY, null)).toMatchObject({ seq: 4, damage: 'truncated' });
    expect(headDamage(head, KEY, { ...entries[3]!, hash: 'other' })).toMatchObject({ damage: 'edited' });
    expect(headDamage({ ...head, hash: 'other' }, KEY, entries[3]!)).toMatchObject({ damage: 'bad_head' });
  });

  it('hashes an entry from its canonical data text exactly as from the value', () => {
    const inputs: AuditEntryInput[] = [
      { type: 'run.created', at: 1_790_000_000_123, principal: 'key:k"1', runId: null, data: null },
      {
        type: 'ünïcode.☃',
        at: 0,
        principal: null,
        runId: 'r\n1',
        data: { z: [1.5, -0, 'é'], a: { y: null, b: true } },
      },
      { type: 't', at: 5, principal: 'code', runId: 'r', data: 'plain \u2028 text' },
    ];
    for (const input of inputs) {
      expect(entryHashOfText(7, 'prev', input, canonicalJson(input.data))).toBe(entryHash(7, 'prev', input));
    }
  });
});
