/** Contract cases for agent memory: writes with their step rows, versions, deletes, fencing. */
import { expect, it } from 'vitest';

import { LeaseLostError } from '../../core/errors.js';
import type { AgentMemoryWrite } from '../memory-store.js';
import { claimOne, newRun, recorded, step, type ContractContext } from './context.js';

/** The row that records a memory write at `seq`; the store fills in its output. */
const memoryStep = (seq: number) => step(seq, { name: `$memory.agent:bot:set:k${seq}`, kind: 'memory', output: null });

function write(seq: number, key: string, value: string | null, at: number): AgentMemoryWrite {
  return { agent: 'bot', key, value, seq, at };
}

export function memoryContract(ctx: () => ContractContext): void {
  it('marks a memory value changed behind the store as not intact', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease } = await claimOne(cx);
    await store.memory.commitWrite(lease, [memoryStep(1)], write(1, 'learned', '{"a":1}', clock.now()));
    expect((await store.memory.get('bot', 'learned'))!.intact).toBe(true);
    await cx.fx.corruptMemory('bot', 'learned');
    expect((await store.memory.get('bot', 'learned'))!.intact).toBe(false);
    expect((await store.memory.list('bot'))[0]!.intact).toBe(false);
  });

  it('writes a key with the step that records it, and counts versions across writers', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
    expect(await store.memory.get('bot', 'learned')).toBeNull();
    const at = clock.now();
    // The pending row of an earlier step goes out in the same commit.
    expect(await store.memory.commitWrite(lease, [step(1), memoryStep(2)], write(2, 'learned', '{"a":1}', at))).toBe(1);
    expect(await store.checkpoints.list(id)).toEqual([
      recorded(step(1)),
      recorded({ ...memoryStep(2), output: '{"version":1}' }),
    ]);
    expect(await store.memory.get('bot', 'learned')).toEqual({
      agent: 'bot',
      key: 'learned',
      value: '{"a":1}',
      version: 1,
      writer: `${id}:2`,
      updatedAt: at,
      intact: true,
    });
    // The same write sent again (an unknown outcome) keeps its version.
    expect(await store.memory.commitWrite(lease, [memoryStep(2)], write(2, 'learned', '{"a":1}', at))).toBe(1);
    // Another step's write wins and bumps it; a delete leaves a tombstone that still counts.
    expect(await store.memory.commitWrite(lease, [memoryStep(3)], write(3, 'learned', '[2]', at))).toBe(2);
    expect(await store.memory.commitWrite(lease, [memoryStep(4)], write(4, 'learned', null, at))).toBe(3);
    expect(await store.memory.get('bot', 'learned')).toMatchObject({ value: null, version: 3 });
    expect(await store.memory.commitWrite(lease, [memoryStep(5)], write(5, 'learned', '"back"', at))).toBe(4);
    // Other agents keep their own keys.
    expect(await store.memory.get('other', 'learned')).toBeNull();
  });

  it('lists an agent’s live keys in order, paged', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease } = await claimOne(cx);
    const at = clock.now();
    for (const [seq, key] of ['b', 'a', 'c', 'gone'].entries()) {
      await store.memory.commitWrite(lease, [memoryStep(seq + 1)], write(seq + 1, key, `"${key}"`, at));
    }
    await store.memory.commitWrite(lease, [memoryStep(9)], write(9, 'gone', null, at));
    const all = await store.memory.list('bot');
    expect(all.map((e) => [e.key, e.value])).toEqual([
      ['a', '"a"'],
      ['b', '"b"'],
      ['c', '"c"'],
    ]);
    expect((await store.memory.list('bot', { limit: 1, after: 'a' })).map((e) => e.key)).toEqual(['b']);
    expect(await store.memory.list('nobody')).toEqual([]);
  });

  it('refuses a write from a worker that lost its lease, and writes nothing', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx, 'w1', 500);
    await clock.advance(1000);
    await claimOne(cx, 'w2');
    const commit = store.memory.commitWrite(lease, [memoryStep(1)], write(1, 'late', '1', clock.now()));
    await expect(commit).rejects.toSatisfy((e) => LeaseLostError.is(e));
    expect(await store.memory.get('bot', 'late')).toBeNull();
    expect(await store.checkpoints.list(id)).toEqual([]);
  });

  it('keeps the last of concurrent writes from separate connections, each with its own version', async () => {
    const cx = ctx();
    const { store, clock, fx } = cx;
    const other = fx.connect();
    await store.runs.create(newRun(clock.now()));
    await store.runs.create(newRun(clock.now()));
    const first = await claimOne(cx, 'w1');
    const second = await claimOne(cx, 'w2');
    const at = clock.now();
    const writes = Array.from({ length: 10 }, (_, i) => {
      const [s, claimed] = i % 2 === 0 ? [store, first] : [other, second];
      return s.memory.commitWrite(claimed.lease, [memoryStep(i + 1)], write(i + 1, 'shared', String(i), at));
    });
    const versions = await Promise.all(writes);
    expect([...versions].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const last = versions.indexOf(10);
    expect(await store.memory.get('bot', 'shared')).toMatchObject({ value: String(last), version: 10 });
  });
}
