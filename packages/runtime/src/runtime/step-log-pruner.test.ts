/**
 * Step-log retention on both dialects: the pruner deletes lines past the retention in batches
 * and keeps the rest, a Vigil with a worker prunes on its own as (fake) time passes, and the
 * retention resolves from the option, then `VIGIL_STEP_LOG_RETENTION`, then 30 days.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import { newRunId } from '../core/ids.js';
import { defineWorkflow } from '../core/workflow.js';
import type { StepLogLine } from '../store/step-log-store.js';
import { resolveStepLogRetention } from './observability.js';
import { createLogger } from './pino-logger.js';
import { DEFAULT_STEP_LOG_RETENTION_MS, StepLogPruner } from './step-log-pruner.js';

const HOUR = 60 * 60_000;

const logged = defineWorkflow({ name: 'logs.retained', input: z.object({ n: z.number() }) }, async (ctx, input) =>
  ctx.step('work', (step) => {
    step.log.info(`working on ${input.n}`);
    return input.n;
  }),
);

describe.each(DIALECTS)('step-log retention on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  const line = (runId: string, at: number, msg: string): StepLogLine => ({
    runId,
    seq: 1,
    step: 'work',
    attempt: 1,
    at,
    level: 'info',
    msg,
    fields: '{}',
  });

  it('deletes every line past the retention, more than a batch of them, and keeps the newer ones', async () => {
    const store = h.store();
    await store.migrate();
    const now = h.clock.now();
    const [old, recent] = [newRunId(now), newRunId(now + 1)];
    const stale = Array.from({ length: 2500 }, (_, i) => line(old, now - 2 * HOUR + i, `old ${i}`));
    await store.stepLogs.append(stale);
    await store.stepLogs.append([line(recent, now - HOUR / 2, 'recent'), line(old, now - HOUR / 4, 'still fresh')]);
    const pruner = new StepLogPruner(
      { store, clock: h.clock, logger: createLogger({ level: 'silent' }), ready: Promise.resolve() },
      { retentionMs: HOUR, intervalMs: HOUR },
    );
    expect(await pruner.prune()).toBe(2500);
    expect((await store.stepLogs.list(old, { limit: 10 })).map((l) => l.msg)).toEqual(['still fresh']);
    expect((await store.stepLogs.list(recent, { limit: 10 })).map((l) => l.msg)).toEqual(['recent']);
    expect(await pruner.prune()).toBe(0);
    await store.close();
  });

  it('prunes on its own in an instance with a worker, hourly, by stepLogs.retention', async () => {
    const vigil = h.vigil([logged], { worker: { pollMs: 5 * 60_000 }, stepLogs: { retention: '90m' } });
    const { id: first } = await vigil.start(logged, { n: 1 });
    expect(await h.result(vigil, first)).toBe(1);
    expect((await vigil.runLogs.list(first)).logs.map((l) => l.msg)).toEqual(['working on 1']);
    await h.clock.advance(HOUR);
    const { id: second } = await vigil.start(logged, { n: 2 });
    expect(await h.result(vigil, second)).toBe(2);
    expect((await vigil.runLogs.list(second)).logs).toHaveLength(1);

    // The hourly prune two hours in finds the first line 2 h old, past 90 min; the second is 1 h old.
    await h.until(async () => (await vigil.runLogs.list(first)).logs.length === 0, {
      stepMs: 5 * 60_000,
      maxMs: 2 * HOUR,
    });
    expect((await vigil.runLogs.list(second)).logs.map((l) => l.msg)).toEqual(['working on 2']);
    // The runs themselves are kept: only their lines go.
    expect((await vigil.getRun(first))?.status).toBe('completed');
  });
});

describe('stepLogs.retention', () => {
  const saved = process.env['VIGIL_STEP_LOG_RETENTION'];
  afterEach(() => {
    if (saved === undefined) delete process.env['VIGIL_STEP_LOG_RETENTION'];
    else process.env['VIGIL_STEP_LOG_RETENTION'] = saved;
  });

  it('comes from the option, then VIGIL_STEP_LOG_RETENTION, then 30 days; false or off keeps lines forever', () => {
    delete process.env['VIGIL_STEP_LOG_RETENTION'];
    expect(resolveStepLogRetention(undefined)).toBe(DEFAULT_STEP_LOG_RETENTION_MS);
    expect(DEFAULT_STEP_LOG_RETENTION_MS).toBe(30 * 24 * HOUR);
    expect(resolveStepLogRetention('7d')).toBe(7 * 24 * HOUR);
    expect(resolveStepLogRetention(false)).toBeNull();
    process.env['VIGIL_STEP_LOG_RETENTION'] = '12h';
    expect(resolveStepLogRetention(undefined)).toBe(12 * HOUR);
    expect(resolveStepLogRetention('1h')).toBe(HOUR);
    process.env['VIGIL_STEP_LOG_RETENTION'] = 'off';
    expect(resolveStepLogRetention(undefined)).toBeNull();
    process.env['VIGIL_STEP_LOG_RETENTION'] = 'soon';
    expect(() => resolveStepLogRetention(undefined)).toThrow(/VIGIL_STEP_LOG_RETENTION/);
    expect(() => resolveStepLogRetention('soon' as never)).toThrow(/stepLogs.retention/);
  });
});
