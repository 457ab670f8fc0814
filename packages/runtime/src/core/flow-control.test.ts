import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { validateFlowControl, validatePriority } from './flow-control.js';
import { defineWorkflow } from './workflow.js';

describe('flow-control options', () => {
  it('reads a number, one limit or a workflow-wide and a keyed limit', () => {
    expect(validateFlowControl({ concurrency: 4 }, 'w')).toMatchObject({ concurrency: 4, keyedConcurrency: null });
    const key = (input: { patientId: string }): string => input.patientId;
    const flow = validateFlowControl(
      { concurrency: [{ limit: 10 }, { limit: 1, key }], rateLimit: { limit: 5, period: '1m' } },
      'w',
    );
    expect(flow.concurrency).toBe(10);
    expect(flow.keyedConcurrency?.limit).toBe(1);
    expect(flow.keyedConcurrency?.key({ patientId: 'P-1' })).toBe('P-1');
    expect(flow.rateLimit).toEqual({ limit: 5, periodMs: 60_000, key: null });
    expect(flow.priority).toBe(0);
  });

  it('refuses limits and priorities that cannot work, naming the workflow', () => {
    expect(() => validateFlowControl({ concurrency: 0 }, 'Workflow w')).toThrow(
      /Workflow w: concurrency limit must be a positive integer; got 0/,
    );
    expect(() => validateFlowControl({ concurrency: [{ limit: 1 }, { limit: 2 }] }, 'w')).toThrow(
      /only one concurrency limit without a key/,
    );
    expect(() => validateFlowControl({ concurrency: { limit: 1, key: 'patientId' as never } }, 'w')).toThrow(
      /key must be a function/,
    );
    expect(() => validateFlowControl({ rateLimit: { limit: 1, period: 'often' as never } }, 'w')).toThrow(
      /rateLimit\.period/,
    );
    expect(() => validateFlowControl({ priority: 601 }, 'w')).toThrow(/from 0 to 600/);
    expect(() => validatePriority(-1)).toThrow(/got -1/);
    expect(validatePriority(600)).toBe(600);
  });

  it('lands on the workflow definition with its schedule', () => {
    const workflow = defineWorkflow(
      {
        name: 'recon.hourly',
        input: z.object({}),
        schedule: { cron: '@hourly', jitter: '5m' },
        concurrency: 1,
        priority: 30,
      },
      () => Promise.resolve(null),
    );
    expect(workflow.schedule?.spec).toMatchObject({ cron: '@hourly', jitterMs: 300_000 });
    expect(workflow.schedule?.input).toEqual({});
    expect(workflow.flow).toMatchObject({ concurrency: 1, priority: 30 });
    expect(() =>
      defineWorkflow({ name: 'bad', input: z.object({}), schedule: { cron: '0 25 * * *' } }, () =>
        Promise.resolve(null),
      ),
    ).toThrow(/Workflow bad: schedule\.cron: .*hour: 25/);
  });
});
