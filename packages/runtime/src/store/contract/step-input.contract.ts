/** Contract cases for a step's recorded input: written with the first row, kept, fenced, out of replay's way. */
import { expect, it } from 'vitest';

import { LeaseLostError } from '../../core/errors.js';
import { claimOne, newRun, recorded, step, type ContractContext } from './context.js';

export function stepInputContract(ctx: () => ContractContext): void {
  it('keeps the input written with the "started" row through later writes of the step, and finish', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
    const args = JSON.stringify({ patientId: 'P-1', notes: '[redacted]' });
    await store.checkpoints.commit(lease, [
      step(1, { kind: 'tool', status: 'running', output: null, endedAt: null, input: args }),
      step(2, { kind: 'llm', status: 'running', output: null, endedAt: null, input: '{"model":"m","messages":3}' }),
    ]);
    // The outcome rows carry no input: what the started rows wrote stays.
    await store.checkpoints.commit(lease, [step(1, { kind: 'tool' })]);
    await store.queue.finish(lease, { status: 'completed', output: '"done"' }, [step(2, { kind: 'llm' })], clock.now());

    expect(await store.checkpoints.input(id, 1)).toBe(args);
    expect(await store.checkpoints.input(id, 2)).toBe('{"model":"m","messages":3}');
    // Replay's read leaves it out, and the rows verify as they did without it.
    expect(await store.checkpoints.list(id)).toEqual([
      recorded(step(1, { kind: 'tool' })),
      recorded(step(2, { kind: 'llm' })),
    ]);
  });

  it('answers null for a step without input, and for a step or run that does not exist', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx);
    await store.checkpoints.commit(lease, [step(1)]);
    expect(await store.checkpoints.input(id, 1)).toBeNull();
    expect(await store.checkpoints.input(id, 2)).toBeNull();
    expect(await store.checkpoints.input('00000000-0000-7000-8000-00000000ffff', 1)).toBeNull();
  });

  it('writes no input on a lease that was lost', async () => {
    const cx = ctx();
    const { store, clock } = cx;
    await store.runs.create(newRun(clock.now()));
    const { lease, runId: id } = await claimOne(cx, 'w1', 1000);
    await clock.advance(1001);
    await claimOne(cx, 'w2');
    await expect(
      store.checkpoints.commit(lease, [step(1, { kind: 'tool', status: 'running', output: null, input: '{"a":1}' })]),
    ).rejects.toBeInstanceOf(LeaseLostError);
    expect(await store.checkpoints.input(id, 1)).toBeNull();
  });
}
