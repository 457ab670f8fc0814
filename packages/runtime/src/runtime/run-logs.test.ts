import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, type Dialect } from '../../test/helpers/harness.js';
import { defineTool } from '../core/tool.js';
import { defineWorkflow } from '../core/workflow.js';
import { createLogger } from './pino-logger.js';

const Input = z.object({ patientId: z.string() });

describe.each(DIALECTS)('step logs on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('stores each step’s lines with their ids, redacted, once across a replay, capped per attempt', async () => {
    const notify = defineTool({
      name: 'notify.send',
      input: Input,
      output: z.object({ sent: z.boolean() }),
      retry: { attempts: 2, initialDelay: '1s', jitter: 'none' },
      run: (_input, { log, attempt }) => {
        log.info('sending', { email: 'ada@example.org', channel: 'sms' });
        if (attempt === 1) throw new Error('gateway down');
        return { sent: true };
      },
    });
    const wf = defineWorkflow({ name: 'logs.discharge', input: Input }, async (ctx, input) => {
      ctx.log.info('discharge started', { patientId: input.patientId, apiKey: 'sk-live-1' });
      await ctx.step('record', (step) => {
        step.log.info('fetched record', { rooms: 2, db: { password: 'hunter2' } });
        // `ctx.log` inside a step body is that step's line too.
        ctx.log.child({ ward: 'B' }).warn('allergy noted');
        return 1;
      });
      await ctx.tool(notify, { patientId: input.patientId });
      await ctx.step('chatty', (step) => {
        for (let i = 0; i < 8; i++) step.log.debug(`line ${i}`);
      });
      return 'ok';
    });
    const file = join(h.dir, 'process.log');
    const fd = openSync(file, 'w');
    const vigil = h.vigil([wf], {
      worker: { pollMs: 100 },
      logger: createLogger({ fd, level: 'debug' }),
      stepLogs: { maxLines: 5 },
    });
    const { id } = await vigil.start(wf, { patientId: 'P-1' });
    expect(await h.result(vigil, id)).toBe('ok');

    const { logs } = await vigil.runLogs.list(id);
    expect(logs.map((l) => [l.seq, l.step, l.attempt, l.level, l.msg])).toEqual([
      [0, null, null, 'info', 'discharge started'],
      [1, 'record', 1, 'info', 'fetched record'],
      [1, 'record', 1, 'warn', 'allergy noted'],
      [2, 'notify.send', 1, 'info', 'sending'],
      // The retry ran in a new execution, which replayed the lines above without storing them again.
      [2, 'notify.send', 2, 'info', 'sending'],
      ...[0, 1, 2, 3, 4].map((i) => [3, 'chatty', 1, 'debug', `line ${i}`]),
      [3, 'chatty', 1, 'warn', 'further log lines of this step were dropped: it reached its cap'],
    ]);
    expect(logs[0]!.fields).toEqual({ patientId: 'P-1', apiKey: '[redacted]' });
    expect(logs[1]!.fields).toEqual({ rooms: 2, db: { password: '[redacted]' } });
    expect(logs[2]!.fields).toEqual({ ward: 'B' });
    expect(logs[3]!.fields).toEqual({ email: '[redacted]', channel: 'sms' });
    expect(logs.at(-1)!.fields).toEqual({ cap: { lines: 5, bytes: 64 * 1024 } });
    expect(logs[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect((await vigil.runLogs.list(id, { seq: 2 })).logs.map((l) => l.attempt)).toEqual([1, 2]);

    // The process log has the same lines with the run's and the step's ids, redacted the same way.
    await vigil.close();
    closeSync(fd);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const of = (msg: string) => lines.filter((line) => line['msg'] === msg);
    expect(of('discharge started')).toEqual([
      expect.objectContaining({ runId: id, workflow: 'logs.discharge', patientId: 'P-1', apiKey: '[redacted]' }),
    ]);
    expect(of('fetched record')).toEqual([
      expect.objectContaining({ runId: id, seq: 1, step: 'record', attempt: 1, db: { password: '[redacted]' } }),
    ]);
    expect(of('allergy noted')).toEqual([expect.objectContaining({ runId: id, seq: 1, step: 'record', ward: 'B' })]);
    expect(of('sending').map((line) => [line['attempt'], line['email']])).toEqual([
      [1, '[redacted]'],
      [2, '[redacted]'],
    ]);
    // Past the cap lines are no longer stored, but the process log still has every one.
    expect(of('line 7')).toHaveLength(1);
    expect(readFileSync(file, 'utf8')).not.toMatch(/hunter2|ada@example|sk-live-1/);
  });

  it('keeps `ctx.log` inside a step body with its step across awaits, while parallel steps end', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const wf = defineWorkflow({ name: 'logs.parallel', input: Input }, async (ctx) => {
      await Promise.all([
        ctx.step('slow', async () => {
          await released;
          ctx.log.info('slow after its await');
          return 1;
        }),
        ctx.step('quick', () => {
          ctx.log.info('quick');
          return 2;
        }),
        ctx.step('opener', async () => {
          await Promise.resolve();
          release();
          return 3;
        }),
      ]);
      ctx.log.info('after the steps');
      return 'ok';
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    const { id } = await vigil.start(wf, { patientId: 'P-4' });
    expect(await h.result(vigil, id)).toBe('ok');
    const { logs } = await vigil.runLogs.list(id);
    expect(logs.map((l) => [l.seq, l.step, l.msg]).sort()).toEqual(
      [
        [1, 'slow', 'slow after its await'],
        [2, 'quick', 'quick'],
        [0, null, 'after the steps'],
      ].sort(),
    );
  });

  it('stores nothing with stepLogs off, and the run is none the worse', async () => {
    const wf = defineWorkflow({ name: 'logs.off', input: Input }, async (ctx) =>
      ctx.step('one', (step) => {
        step.log.info('not stored');
        return 1;
      }),
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 100 }, stepLogs: false });
    const { id } = await vigil.start(wf, { patientId: 'P-2' });
    expect(await h.result(vigil, id)).toBe(1);
    expect((await vigil.runLogs.list(id)).logs).toEqual([]);
  });

  it('never fails a run when the store refuses a batch: the drop is logged', async () => {
    const warnings: Array<[string, Record<string, unknown> | undefined]> = [];
    const logger = createLogger({ level: 'silent' });
    const wf = defineWorkflow({ name: 'logs.refused', input: Input }, async (ctx) =>
      ctx.step('one', (step) => {
        step.log.info('lost line');
        return 1;
      }),
    );
    const vigil = h.vigil([wf], {
      worker: { pollMs: 100 },
      logger: { ...logger, warn: (message, fields) => warnings.push([message, fields]), child: () => logger },
    });
    vigil.store.stepLogs.append = () => Promise.reject(new Error('disk full'));
    const { id } = await vigil.start(wf, { patientId: 'P-3' });
    expect(await h.result(vigil, id)).toBe(1);
    await vigil.runLogs.list(id);
    expect(warnings).toContainEqual([
      'a batch of step log lines was dropped: the store refused it',
      { dropped: 1, runs: [id], error: 'Error: disk full' },
    ]);
  });
});
