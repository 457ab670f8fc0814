/** Contract cases for the audit trail: one unbroken hash chain, whoever appends, and its queries. */
import { expect, it } from 'vitest';

import { GENESIS_HASH, verifyChain, type AuditEntry } from '../../core/audit-chain.js';
import type { AuditDraft } from '../audit-store.js';
import type { Store } from '../store.js';
import type { ContractContext } from './context.js';

function draft(type: string, overrides: Partial<AuditDraft> = {}): AuditDraft {
  return { type, runId: 'run-1', principal: null, data: { n: 1 }, ...overrides };
}

async function everything(store: Store): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (let from = 1; ;) {
    const page = await store.audit.scan(from, 7);
    entries.push(...page);
    if (page.length < 7) return entries;
    from = page.at(-1)!.seq + 1;
  }
}

export function auditContract(ctx: () => ContractContext): void {
  it('starts empty', async () => {
    const { store } = ctx();
    expect(await store.audit.head()).toBeNull();
    expect(await store.audit.list({ limit: 10 })).toEqual([]);
    expect(await store.audit.scan(1, 10)).toEqual([]);
    expect(await store.audit.append([], 1)).toEqual([]);
  });

  it('appends a batch chained onto the last entry, numbered from 1, and reads it back intact', async () => {
    const { store, clock } = ctx();
    const now = clock.now();
    const first = await store.audit.append(
      [
        draft('run.created', { principal: 'key:k1', data: { workflow: 'w', nested: { b: [1, 'x'], a: null } } }),
        draft('step.completed', { at: now - 5, data: { step: 'fetch', durationMs: 3.5 } }),
      ],
      now,
    );
    expect(first.map((e) => [e.seq, e.at, e.type])).toEqual([
      [1, now, 'run.created'],
      [2, now - 5, 'step.completed'],
    ]);
    expect(first[0]!.prevHash).toBe(GENESIS_HASH);
    expect(first[1]!.prevHash).toBe(first[0]!.hash);

    const second = await store.audit.append([draft('run.completed', { runId: null, data: 'done' })], now + 1);
    expect(second[0]).toMatchObject({ seq: 3, prevHash: first[1]!.hash, runId: null, data: 'done' });
    expect(await store.audit.head()).toEqual({ seq: 3, hash: second[0]!.hash });

    const stored = await everything(store);
    expect(stored).toEqual([...first, ...second]);
    expect(verifyChain(stored)).toEqual({ ok: true, count: 3, head: { seq: 3, hash: second[0]!.hash } });
  });

  it('appends a batch of any size whole, in order (a store may insert it in chunks)', async () => {
    const { store, clock } = ctx();
    const now = clock.now();
    for (const size of [37, 16, 5]) {
      const drafts = Array.from({ length: size }, (_, i) =>
        draft('step.completed', { at: now + i, data: { i, size } }),
      );
      const appended = await store.audit.append(drafts, now);
      expect(appended.map((e) => e.data)).toEqual(drafts.map((d) => d.data));
    }
    const stored = await everything(store);
    const expected = [37, 16, 5].flatMap((size) => Array.from({ length: size }, (_, i) => ({ i, size })));
    expect(stored.map((e) => e.data)).toEqual(expected);
    expect(stored.map((e) => e.seq)).toEqual(expected.map((_, k) => k + 1));
    expect(stored.map((e) => e.at - now)).toEqual(expected.map(({ i }) => i));
    expect(verifyChain(stored)).toMatchObject({ ok: true, count: 58 });
  });

  it('lists by run, principal and type, oldest first, from a cursor', async () => {
    const { store, clock } = ctx();
    await store.audit.append(
      [
        draft('run.created', { runId: 'a', principal: 'key:1' }),
        draft('step.completed', { runId: 'a' }),
        draft('run.created', { runId: 'b', principal: 'schedule:s' }),
        draft('run.cancelled', { runId: 'a', principal: 'key:1' }),
        draft('key.created', { runId: null, principal: 'cli:ops' }),
      ],
      clock.now(),
    );
    const seqs = async (filter: Parameters<Store['audit']['list']>[0]): Promise<number[]> =>
      (await store.audit.list(filter)).map((e) => e.seq);
    expect(await seqs({ limit: 100 })).toEqual([1, 2, 3, 4, 5]);
    expect(await seqs({ runId: 'a', limit: 100 })).toEqual([1, 2, 4]);
    expect(await seqs({ principal: 'key:1', limit: 100 })).toEqual([1, 4]);
    expect(await seqs({ type: 'run.created', limit: 100 })).toEqual([1, 3]);
    expect(await seqs({ runId: 'a', type: 'run.cancelled', principal: 'key:1', limit: 100 })).toEqual([4]);
    expect(await seqs({ afterSeq: 2, limit: 2 })).toEqual([3, 4]);
    expect(await seqs({ runId: 'a', afterSeq: 1, limit: 1 })).toEqual([2]);
    expect(await seqs({ runId: 'nobody', limit: 100 })).toEqual([]);
  });

  it('keeps one unbroken chain while two connections append concurrently', async () => {
    const { store, clock, fx } = ctx();
    const writers = [store, fx.connect(), fx.connect()];
    await Promise.all(writers.map((s) => s.migrate()));
    await Promise.all(
      writers.flatMap((writer, w) =>
        Array.from({ length: 10 }, (_, i) =>
          writer.audit.append(
            [
              draft('step.completed', { data: { w, i, part: 1 } }),
              draft('step.completed', { data: { w, i, part: 2 } }),
            ],
            clock.now(),
          ),
        ),
      ),
    );
    const stored = await everything(store);
    expect(stored).toHaveLength(60);
    expect(verifyChain(stored)).toMatchObject({ ok: true, count: 60 });
    // A batch is appended as a whole: its two parts are neighbours in the chain.
    for (let i = 0; i < 60; i += 2) {
      expect(stored[i]!.data).toMatchObject({ part: 1 });
      expect(stored[i + 1]!.data).toEqual({ ...(stored[i]!.data as object), part: 2 });
    }
  });
  it('chains onto the stored head when another connection appended after this one, alone or at once', async () => {
    const { store, clock, fx } = ctx();
    const other = fx.connect();
    await other.migrate();
    const one = (writer: Store, n: number): Promise<AuditEntry[]> =>
      writer.audit.append(
        [draft('step.completed', { data: { n, part: 1 } }), draft('step.completed', { data: { n, part: 2 } })],
        clock.now(),
      );
    // Each append follows one by the other connection: whatever head a writer keeps from its
    // own last append is stale every time.
    let n = 0;
    for (const writer of [store, other, store, other, other, store]) {
      const [first] = await one(writer, n++);
      expect(first!.seq).toBe(2 * n - 1);
    }
    // Both writers appended last at some point; now they race, each from the head it knows.
    for (let round = 0; round < 10; round++) await Promise.all([one(store, n++), one(other, n++)]);
    const stored = await everything(store);
    expect(stored).toHaveLength(2 * n);
    expect(verifyChain(stored)).toMatchObject({ ok: true, count: 2 * n });
    for (let i = 0; i < stored.length; i += 2) {
      expect(stored[i + 1]!.data).toEqual({ ...(stored[i]!.data as object), part: 2 });
    }
    expect(new Set(stored.map((e) => (e.data as { n: number }).n)).size).toBe(n);
  });
}
