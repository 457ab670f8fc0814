import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness } from '../../../test/helpers/harness.js';
import { defineWorkflow } from '../../core/workflow.js';
import { corruptCheckpoint } from '../corrupt-checkpoint.js';

const flow = defineWorkflow(
  { name: 'corrupt.me', version: 1, input: z.object({ n: z.number() }) },
  async (ctx, input) => {
    const a = await ctx.step('first', () => ({ value: input.n, label: 'abc' }));
    return ctx.step('second', () => a.value + 1);
  },
);

describe.each(DIALECTS)('corruptCheckpoint on %s', (dialect) => {
  let h: Harness;
  afterEach(() => h.cleanup());

  it('flips one bit of the stored text; the store reports the row or input as not intact', async () => {
    h = new Harness(dialect);
    const vigil = h.vigil([flow], { worker: true });
    const { id } = await vigil.start(flow, { n: 41 });
    for (let run = await vigil.getRun(id); run?.status !== 'completed'; run = await vigil.getRun(id)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const database = dialect === 'sqlite' ? h.path : withSchema(inject('postgresUrl'), h.schema);
    const before = (await h.sql(`SELECT output FROM steps WHERE run_id = $1 AND seq = 1`, [id])) as Array<{
      output: string;
    }>;

    expect(await corruptCheckpoint({ database, runId: id, seq: 1, bit: 3 })).toEqual({
      runId: id,
      seq: 1,
      field: 'output',
      bit: 3,
    });
    const after = (await h.sql(`SELECT output FROM steps WHERE run_id = $1 AND seq = 1`, [id])) as Array<{
      output: string;
    }>;
    const changed = [...Buffer.from(after[0]!.output)].map((byte, i) => byte ^ Buffer.from(before[0]!.output)[i]!);
    expect(changed.filter((x) => x !== 0)).toEqual([1 << 3]);
    expect((await vigil.store.checkpoints.list(id)).map((s) => s.intact)).toEqual([false, true]);

    const input = await corruptCheckpoint({ database, runId: id, field: 'input' });
    expect(input.seq).toBeNull();
    expect((await vigil.store.runs.get(id))!.inputIntact).toBe(false);
  });
});

function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
}
