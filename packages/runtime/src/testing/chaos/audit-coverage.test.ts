import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { Harness } from '../../../test/helpers/harness.js';
import { defineTool } from '../../core/tool.js';
import { defineWorkflow } from '../../core/workflow.js';
import { auditCoverage } from './audit-coverage.js';

const reserve = defineTool({ name: 'cover.reserve', input: z.object({}), output: z.number(), run: () => 1 });
const flow = defineWorkflow({ name: 'cover.flow', input: z.object({}) }, async (ctx) => {
  await ctx.tool(reserve, {});
  await ctx.sleep('nap', '10ms');
  const n = ctx.now();
  return ctx.step('sum', () => n > 0);
});

describe('auditCoverage on a real SQLite store', () => {
  let h: Harness;
  afterEach(async () => {
    await h.cleanup();
  });

  it('counts the announced step outcomes and those the audit trail has no entry for', async () => {
    h = new Harness();
    const audited = h.vigil([flow], { worker: { pollMs: 10 } });
    const first = await audited.start(flow, {});
    await h.result(audited, first.id);
    await audited.audit.flush();
    // A process without an audit trail stands for one killed before it appended anything.
    const unaudited = h.vigil([flow], { worker: { pollMs: 10 }, audit: false });
    await audited.close();
    const second = await unaudited.start(flow, {});
    await h.result(unaudited, second.id);

    // The tool call and the step: the sleep and the journaled clock are not announced.
    expect(await auditCoverage(unaudited.store, first.id)).toEqual({ outcomes: 2, missing: 0 });
    expect(await auditCoverage(unaudited.store, second.id)).toEqual({ outcomes: 2, missing: 2 });
  });
});
