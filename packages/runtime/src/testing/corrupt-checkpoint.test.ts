import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import { defineWorkflow } from '../core/workflow.js';
import { corruptCheckpoint } from './corrupt-checkpoint.js';

const Input = z.object({ n: z.number() });

const wf = defineWorkflow({ name: 'corrupt.target', input: Input }, async (ctx, input) => {
  const a = await ctx.step('a', () => ({ value: input.n + 1 }));
  const b = await ctx.step('b', () => ({ value: a.value * 2 }));
  await ctx.sleep('nap', '1s');
  return b;
});

describe.each(DIALECTS)('corruptCheckpoint on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  async function suspendedRun(): Promise<string> {
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const { id } = await vigil.start(wf, { n: 1 });
    await h.until(async () => (await vigil.getRun(id))?.status === 'sleeping');
    return id;
  }

  it('flips exactly the bit asked for, in the last step with a value by default, behind the checksum', async () => {
    const id = await suspendedRun();
    const before = (await h.sql('SELECT output, checksum FROM steps WHERE run_id = $1 AND seq = 2', [id])) as {
      output: string;
      checksum: string;
    }[];
    const hit = await corruptCheckpoint({ database: h.database, runId: id, bit: 8 * 2 + 1 });
    expect(hit).toEqual({ runId: id, seq: 2, field: 'output', bit: 17 });
    const after = (await h.sql('SELECT output, checksum FROM steps WHERE run_id = $1 AND seq = 2', [id])) as {
      output: string;
      checksum: string;
    }[];
    const expected = Buffer.from(before[0]!.output);
    expected[2]! ^= 2;
    expect(after[0]!.output).toBe(expected.toString('utf8'));
    expect(after[0]!.checksum).toBe(before[0]!.checksum);
    const steps = await h.store().checkpoints.list(id);
    expect(steps.map((s) => s.intact)).toEqual([true, false, true]);
  });

  it('damages the run input and the step name, and picks a random bit when none is given', async () => {
    const id = await suspendedRun();
    const input = await corruptCheckpoint({ database: h.database, runId: id, field: 'input' });
    expect(input.seq).toBe(0);
    expect(input.bit).toBeGreaterThanOrEqual(0);
    expect(input.bit).toBeLessThan(Buffer.byteLength('{"n":1}') * 8);
    expect((await h.store().runs.get(id))!.inputIntact).toBe(false);
    await corruptCheckpoint({ database: h.database, runId: id, seq: 1, field: 'name', bit: 0 });
    expect((await h.store().checkpoints.list(id))[0]!.intact).toBe(false);
  });

  it('flips a bit of the attempt count, which the checksum covers', async () => {
    const id = await suspendedRun();
    const hit = await corruptCheckpoint({ database: h.database, runId: id, seq: 1, field: 'attempts', bit: 4 });
    expect(hit).toEqual({ runId: id, seq: 1, field: 'attempts', bit: 4 });
    const [step] = await h.store().checkpoints.list(id);
    expect(step!.attempts).toBe(1 ^ 16);
    expect(step!.intact).toBe(false);
    await expect(
      corruptCheckpoint({ database: h.database, runId: id, seq: 1, field: 'attempts', bit: 31 }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('stores a flip that leaves invalid UTF-8 so that it is still detected', async () => {
    const id = await suspendedRun();
    // Bit 7 of the first byte turns `{` (0x7b) into 0xfb, a byte that never starts valid UTF-8.
    await corruptCheckpoint({ database: h.database, runId: id, seq: 1, field: 'output', bit: 7 });
    const [step] = await h.store().checkpoints.list(id);
    expect(step!.intact).toBe(false);
  });

  it('refuses a bit outside the value, a missing value and a missing run with invalid_argument', async () => {
    const id = await suspendedRun();
    await expect(corruptCheckpoint({ database: h.database, runId: id, seq: 1, bit: 10_000 })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(corruptCheckpoint({ database: h.database, runId: id, field: 'error' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
    await expect(corruptCheckpoint({ database: h.database, runId: 'nope', field: 'input' })).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});
