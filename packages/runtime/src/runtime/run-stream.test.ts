import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { DIALECTS, Harness, gate, type Dialect } from '../../test/helpers/harness.js';
import { defineWorkflow } from '../core/workflow.js';
import { RunStreams, type RunStreamMessage } from './run-stream.js';

const Input = z.object({ n: z.number() });

describe.each(DIALECTS)('RunStreams on %s', (dialect: Dialect) => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness(dialect);
  });
  afterEach(() => h.cleanup());

  it('sends each step change once when this process’s events and the poll both see it', async () => {
    const hold = gate();
    const wf = defineWorkflow({ name: 'stream.both', input: Input }, async (ctx) => {
      await ctx.step('a', () => hold.promise.then(() => 1));
      await ctx.step('b', () => 2);
      await ctx.sleep('nap', '2s');
      await ctx.step('c', () => 3);
      return 'done';
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    const streams = new RunStreams(
      { client: vigil.client, store: vigil.store, events: vigil.events, clock: h.clock },
      { pollMs: 100 },
    );
    const { id } = await vigil.start(wf, { n: 1 });
    const messages: RunStreamMessage[] = [];
    const streaming = streams.stream(
      id,
      (message) => Promise.resolve(void messages.push(message)),
      new AbortController().signal,
    );
    let ended = false;
    void streaming.then(() => (ended = true));
    // Polls run while step "a" is in flight, then while the run sleeps and finishes.
    await h.until(() => messages.length > 0);
    await h.clock.advance(500);
    hold.open();
    await h.until(() => ended);
    expect(await streaming).toBe(true);

    const steps = messages.flatMap((m) =>
      'event' in m && m.event.startsWith('step.') ? [`${m.event}:${(m.data as { name: string }).name}`] : [],
    );
    expect(new Set(steps).size).toBe(steps.length);
    // The sleep's end has no event of its own; only a poll that ran after it reports it.
    expect(steps.filter((s) => s.startsWith('step.completed') && !s.endsWith(':nap'))).toEqual([
      'step.completed:a',
      'step.completed:b',
      'step.completed:c',
    ]);
    const events = messages.flatMap((m) => ('event' in m ? [m.event] : []));
    expect(events[0]).toBe('snapshot');
    expect(events).toContain('run.suspended');
    expect(events.at(-1)).toBe('run.completed');
    expect(events.filter((e) => e === 'run.completed')).toHaveLength(1);
  });

  it('stops when its reader goes away, and answers false for an unknown run', async () => {
    const wf = defineWorkflow({ name: 'stream.sleepy', input: Input }, async (ctx) => {
      await ctx.sleep('nap', '1h');
      return 'done';
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    const streams = new RunStreams({ client: vigil.client, store: vigil.store, events: vigil.events, clock: h.clock });
    const { id } = await vigil.start(wf, { n: 1 });
    await h.until(async () => (await vigil.getRun(id))?.status === 'sleeping');
    const reader = new AbortController();
    const messages: RunStreamMessage[] = [];
    const streaming = streams.stream(id, (m) => Promise.resolve(void messages.push(m)), reader.signal);
    await h.until(() => messages.length > 0);
    reader.abort();
    expect(await streaming).toBe(true);
    expect(messages).toHaveLength(1);

    const sent: RunStreamMessage[] = [];
    const missing = '00000000-0000-7000-8000-000000000999';
    expect(await streams.stream(missing, (m) => Promise.resolve(void sent.push(m)), reader.signal)).toBe(false);
    expect(sent).toEqual([]);
  });
});
