import { describe, expect, it } from 'vitest';

import { z } from 'zod';

import { Harness } from '../../test/helpers/harness.js';
import { hasFastProperties, haveSameHiddenClass } from '../../test/helpers/hidden-class.js';
import type { StepContext } from '../core/context.js';
import { defineWorkflow } from '../core/workflow.js';
import type { StepWrite } from '../store/checkpoint-store.js';
import { RuntimeEvents, type RuntimeEventMap } from './events.js';
import { announceOutcome, stepRow, type StepHost } from './step-runner.js';

/** Announces `count` outcomes of `status` (a tool call's when `tool` is given); returns the events. */
function announce<K extends 'step.completed' | 'step.failed'>(event: K, count: number, tool?: string) {
  const events = new RuntimeEvents();
  const seen: Array<RuntimeEventMap[K]> = [];
  events.on(event, (payload) => seen.push(payload));
  const host = {
    runId: 'run_1',
    workflowName: 'discharge',
    deps: { events },
    failpoint: () => undefined,
  } as unknown as StepHost;
  for (let seq = 1; seq <= count; seq++) {
    const outcome: StepWrite =
      event === 'step.completed'
        ? stepRow({ seq, name: `step-${seq}`, kind: 'step' }, 'completed', { attempts: 1, startedAt: 10, endedAt: 15 })
        : stepRow({ seq, name: `step-${seq}`, kind: 'tool' }, 'failed', {
            attempts: 2,
            startedAt: 10,
            endedAt: 20,
            error: { name: 'Error', message: 'down', code: 'unknown' },
          });
    void announceOutcome(host, outcome, tool)();
  }
  return seen;
}

describe('announceOutcome', () => {
  it('gives every step.completed payload one hidden class, however many steps end', () => {
    const seen = announce('step.completed', 3000);
    expect(seen[2999]).toEqual({
      runId: 'run_1',
      workflow: 'discharge',
      seq: 3000,
      name: 'step-3000',
      kind: 'step',
      attempt: 1,
      status: 'completed',
      durationMs: 5,
    });
    expect(haveSameHiddenClass(seen[2000]!, seen[2999]!)).toBe(true);
  });

  it('gives every step.failed payload of a tool call one hidden class, with the tool named', () => {
    const seen = announce('step.failed', 3000, 'ehr.read');
    expect(Object.keys(seen[2999]!)).toEqual([
      'runId',
      'workflow',
      'seq',
      'name',
      'kind',
      'attempt',
      'tool',
      'error',
      'durationMs',
    ]);
    expect(seen[2999]).toMatchObject({ tool: 'ehr.read', error: { message: 'down' }, durationMs: 10 });
    expect(haveSameHiddenClass(seen[2000]!, seen[2999]!)).toBe(true);
  });

  it('hands every step body a context in fast mode with one hidden class, its log made on first use', async () => {
    const seen: StepContext[] = [];
    const steps = defineWorkflow({ name: 'contexts', input: z.object({}) }, async (ctx) => {
      for (let i = 1; i <= 60; i++) {
        await ctx.step(`step-${i}`, (step) => {
          seen.push(step);
          if (i === 60) step.log.info('last step', { i });
          return i;
        });
      }
    });
    const h = new Harness();
    try {
      const vigil = h.vigil([steps], { worker: true });
      const { id } = await vigil.start(steps, {});
      await h.result(vigil, id);
      expect((await vigil.runLogs.list(id)).logs).toMatchObject([{ seq: 60, msg: 'last step' }]);
    } finally {
      await h.cleanup();
    }
    const last = seen[59]!;
    expect(Object.keys(last)).toEqual(expect.arrayContaining(['runId', 'seq', 'attempt', 'log']));
    // The run's signal, read through a getter on the class (attempt-context.ts), not made per step.
    expect(last.signal).toBeInstanceOf(AbortSignal);
    expect(last.signal).toBe(seen[0]!.signal);
    expect(hasFastProperties(last)).toBe(true);
    expect(haveSameHiddenClass(seen[58]!, last)).toBe(true);
  });
});
