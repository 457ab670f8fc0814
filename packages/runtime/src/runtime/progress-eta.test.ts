import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, gate, type Dialect } from '../../test/helpers/harness.js';
import { httpApp } from '../../test/helpers/http-app.js';
import { defineWorkflow } from '../core/workflow.js';
import type { RunDetails } from './run-view.js';

describe.each(DIALECTS)('progress ETA on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('estimates the remaining time from the durations of earlier runs of the same version', async () => {
    const held = gate();
    const minutes = (n: number) => h.clock.sleep(n * 60_000);
    const wf = defineWorkflow(
      {
        name: 'eta.discharge',
        title: 'Discharge',
        input: z.object({ hold: z.boolean() }),
        steps: ['record', { name: 'pharmacy', title: 'Pharmacy coordination' }, 'notify'],
      },
      async (ctx, input) => {
        await ctx.step('record', () => minutes(1));
        await ctx.step('pharmacy', async () => {
          await minutes(2);
          if (input.hold) await held.promise;
        });
        await ctx.step('notify', () => minutes(1));
        return 'done';
      },
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 60_000 } });
    const first = await vigil.start(wf, { hold: false });
    // Steps sleep on the fake clock; on PostgreSQL a sleep may start a tick or two after its step.
    const slow = { stepMs: 1_000, maxMs: 600_000 };
    await h.until(async () => (await vigil.getRun(first.id))?.progress.completed === 1, slow);
    // No history yet: no estimate, and the line says nothing of one.
    const early = (await vigil.getRun(first.id))!.progress;
    expect(early.etaSeconds).toBeNull();
    expect(early.summary).not.toContain('ETA');
    await h.until(async () => (await vigil.getRun(first.id))?.status === 'completed', slow);
    expect((await vigil.getRun(first.id))!.progress.etaSeconds).toBeNull();

    // The second run waits inside "pharmacy" (history: 2 min) with "notify" (1 min) to go.
    await h.clock.advance(60_000); // past the cached (empty) history of this version
    const second = await vigil.start(wf, { hold: true });
    await h.until(async () => (await vigil.getRun(second.id))?.progress.completed === 1, slow);
    await h.until(async () => (await vigil.getRun(second.id))?.progress.current.includes('pharmacy') === true, {
      stepMs: 10,
    });
    const api = httpApp(vigil);
    const shown = (await api<RunDetails>('GET', `/v1/runs/${second.id}`)).body.progress;
    expect(shown.etaSeconds).toBeGreaterThanOrEqual(170);
    expect(shown.etaSeconds).toBeLessThanOrEqual(200);
    expect(shown.summary).toBe('Discharge in progress: 1/3 steps complete. Pharmacy coordination running. ETA 3 min.');
    // Past its usual time, the running step is counted as almost done: only "notify" remains.
    await h.clock.advance(5 * 60_000);
    const late = (await vigil.getRun(second.id))!.progress;
    expect(late.etaSeconds).toBeGreaterThanOrEqual(55);
    expect(late.etaSeconds).toBeLessThanOrEqual(70);
    expect(late.summary).toMatch(/ETA 1 min\.$/);
    held.open();
    await h.until(async () => (await vigil.getRun(second.id))?.status === 'completed', slow);
    expect(await vigil.result(second.id)).toBe('done');
  });
});
