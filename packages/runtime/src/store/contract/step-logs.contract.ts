/** Contract cases for step log lines: batches appended in order, listed per run and per step, paged. */
import { expect, it } from 'vitest';

import type { StepLogLine } from '../step-log-store.js';
import { runId, type ContractContext } from './context.js';

function line(run: string, seq: number, msg: string, overrides: Partial<StepLogLine> = {}): StepLogLine {
  return {
    runId: run,
    seq,
    step: seq === 0 ? null : `step-${seq}`,
    attempt: seq === 0 ? null : 1,
    at: 1_000 + seq,
    level: 'info',
    msg,
    fields: '{}',
    ...overrides,
  };
}

export function stepLogsContract(ctx: () => ContractContext): void {
  it('appends batches and lists a run’s lines in order, all or one step’s', async () => {
    const { store } = ctx();
    const [a, b] = [runId(), runId()];
    await store.stepLogs.append([
      line(a, 1, 'fetching', { fields: '{"patientId":"P-1"}', level: 'debug' }),
      line(a, 0, 'between steps'),
      line(b, 1, 'other run'),
    ]);
    await store.stepLogs.append([line(a, 1, 'retrying', { attempt: 2, level: 'warn' }), line(a, 2, 'done')]);
    await store.stepLogs.append([]);

    const all = await store.stepLogs.list(a, { limit: 100 });
    expect(all.map((l) => l.msg)).toEqual(['fetching', 'between steps', 'retrying', 'done']);
    expect(all[0]).toEqual({
      id: expect.any(Number) as number,
      runId: a,
      seq: 1,
      step: 'step-1',
      attempt: 1,
      at: 1_001,
      level: 'debug',
      msg: 'fetching',
      fields: '{"patientId":"P-1"}',
    });
    const first = await store.stepLogs.list(a, { seq: 1, limit: 100 });
    expect(first.map((l) => [l.msg, l.attempt, l.level])).toEqual([
      ['fetching', 1, 'debug'],
      ['retrying', 2, 'warn'],
    ]);
    const own = await store.stepLogs.list(a, { seq: 0, limit: 100 });
    expect(own).toMatchObject([{ msg: 'between steps', step: null, attempt: null }]);
    expect(await store.stepLogs.list(a, { seq: 9, limit: 100 })).toEqual([]);
    expect(await store.stepLogs.list(runId(), { limit: 100 })).toEqual([]);
  });

  it('pages through a run’s lines after the last id seen', async () => {
    const { store } = ctx();
    const run = runId();
    await store.stepLogs.append(Array.from({ length: 5 }, (_, i) => line(run, 1, `line ${i}`)));
    const page1 = await store.stepLogs.list(run, { limit: 2 });
    const page2 = await store.stepLogs.list(run, { limit: 2, after: page1[1]!.id });
    const page3 = await store.stepLogs.list(run, { seq: 1, limit: 2, after: page2[1]!.id });
    expect([...page1, ...page2, ...page3].map((l) => l.msg)).toEqual([
      'line 0',
      'line 1',
      'line 2',
      'line 3',
      'line 4',
    ]);
  });

  it('keeps text as written: unicode, quotes and long messages', async () => {
    const { store } = ctx();
    const run = runId();
    const msg = `Pharmacy “pending” — ${'x'.repeat(10_000)} ✓`;
    await store.stepLogs.append([line(run, 3, msg, { fields: '{"note":"a\\"b"}' })]);
    const [stored] = await store.stepLogs.list(run, { limit: 1 });
    expect(stored).toMatchObject({ msg, fields: '{"note":"a\\"b"}' });
  });

  it('prunes the oldest lines logged before a time, a batch at a time, and keeps the rest', async () => {
    const { store } = ctx();
    const [old, recent] = [runId(), runId()];
    // Times far below the other cases' (1 000 and up), so only these lines are old enough.
    await store.stepLogs.append([
      line(old, 1, 'old 1', { at: 10 }),
      line(old, 1, 'old 2', { at: 20 }),
      line(recent, 1, 'kept', { at: 100 }),
      line(old, 2, 'old 3', { at: 30 }),
      line(old, 2, 'old but not enough', { at: 60 }),
    ]);
    expect(await store.stepLogs.prune(50, 2)).toBe(2);
    expect((await store.stepLogs.list(old, { limit: 10 })).map((l) => l.msg)).toEqual(['old 3', 'old but not enough']);
    expect(await store.stepLogs.prune(50, 2)).toBe(1);
    expect(await store.stepLogs.prune(50, 2)).toBe(0);
    expect((await store.stepLogs.list(old, { limit: 10 })).map((l) => l.msg)).toEqual(['old but not enough']);
    expect((await store.stepLogs.list(recent, { limit: 10 })).map((l) => l.msg)).toEqual(['kept']);
    // Lines appended after a prune still get ids after every earlier line.
    await store.stepLogs.append([line(old, 3, 'new', { at: 70 })]);
    expect((await store.stepLogs.list(old, { limit: 10 })).map((l) => l.msg)).toEqual(['old but not enough', 'new']);
  });
}
