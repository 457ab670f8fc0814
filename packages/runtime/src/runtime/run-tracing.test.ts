import { AsyncLocalStorage } from 'node:async_hooks';

import {
  context,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Context,
  type ContextManager,
} from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { Harness } from '../../test/helpers/harness.js';
import { NonRetryableError } from '../core/errors.js';
import { defineTool } from '../core/tool.js';
import { defineWorkflow } from '../core/workflow.js';
import { runTraceParent } from './run-trace-parent.js';
import { RunTracer } from './run-tracer.js';
import { ExecutionTrace } from './run-tracing.js';

const Input = z.object({ patientId: z.string() });

/** The context manager an application's SDK would register: context follows async calls. */
class AsyncContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    return this;
  }
}

// Spans do not depend on the store, so one dialect is enough here.
describe('run traces', () => {
  let h: Harness;
  let exporter: InMemorySpanExporter;
  let provider: BasicTracerProvider;
  beforeEach(() => {
    h = new Harness('sqlite');
    exporter = new InMemorySpanExporter();
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    context.setGlobalContextManager(new AsyncContextManager());
  });
  afterEach(async () => {
    await h.cleanup();
    await provider.shutdown();
    context.disable();
  });

  const named = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name);
  const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

  it('puts every execution of a run in one trace: run → step attempts, tool and LLM calls with GenAI attributes', async () => {
    let calls = 0;
    const fetchRecord = defineTool({
      name: 'ehr.read',
      version: '1.2.0',
      input: Input,
      output: z.object({ name: z.string() }),
      retry: { attempts: 2, initialDelay: '1s', jitter: 'none' },
      run: () => {
        calls++;
        if (calls === 1) throw new Error('EHR unavailable');
        // A span the tool makes (as an HTTP client's instrumentation would) nests under the call's.
        provider.getTracer('ehr-client').startSpan('GET /patients').end();
        return { name: 'Ada' };
      },
    });
    const wf = defineWorkflow({ name: 'tracing.discharge', input: Input }, async (ctx, input) => {
      const record = await ctx.tool(fetchRecord, { patientId: input.patientId });
      const summary = await ctx.llm({ name: 'summary', prompt: `Summarise the stay of ${record.name}` });
      return summary.text.length > 0;
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 100 }, tracing: { tracerProvider: provider } });
    const { id } = await vigil.start(wf, { patientId: 'P-1' });
    expect(await h.result(vigil, id)).toBe(true);
    await h.until(() => named('run tracing.discharge').length === 2);

    // Two executions (the retry's backoff suspended the run), both children of the run's parent.
    const parent = trace.getSpanContext(runTraceParent(id))!;
    const runs = named('run tracing.discharge');
    expect(exporter.getFinishedSpans().every((s) => s.spanContext().traceId === parent.traceId)).toBe(true);
    for (const run of runs) {
      expect(parentOf(run)).toBe(parent.spanId);
      expect(run.attributes).toMatchObject({ 'vigil.run.id': id, 'vigil.workflow': 'tracing.discharge' });
    }
    const [first, second] = runs.sort(
      (a, b) => Number(a.attributes['vigil.run.attempt']) - Number(b.attributes['vigil.run.attempt']),
    );
    expect(first!.attributes['vigil.run.outcome']).toBe('suspended');
    // The retry's backoff: announced, then the wait the run suspended on, until the next attempt.
    expect(first!.events.map((e) => [e.name, e.attributes?.['vigil.retry.delay_ms']])).toEqual([
      ['step.retrying', 1000],
      ['vigil.wait', undefined],
    ]);
    expect(first!.events[1]!.attributes).toMatchObject({
      'vigil.step.name': 'ehr.read',
      'vigil.wait.status': 'retrying',
      'vigil.wait.wake_at': expect.any(String) as string,
    });
    expect(first!.attributes['vigil.run.suspended_status']).toBe('retrying');
    expect(second!.attributes['vigil.run.outcome']).toBe('completed');
    expect(second!.status.code).not.toBe(SpanStatusCode.ERROR);

    // Each attempt of the tool call is a span of its execution, the failed one marked so.
    const attempts = named('execute_tool ehr.read');
    expect(attempts.map((s) => [s.attributes['vigil.step.attempt'], s.status.code, parentOf(s)])).toEqual([
      [1, SpanStatusCode.ERROR, first!.spanContext().spanId],
      [2, SpanStatusCode.UNSET, second!.spanContext().spanId],
    ]);
    expect(attempts[0]!.status.message).toBe('EHR unavailable');
    expect(attempts[0]!.events.map((e) => e.name)).toEqual(['exception']);
    expect(attempts[1]!.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'ehr.read',
      'vigil.tool.version': '1.2.0',
      'vigil.step.seq': 1,
      'vigil.step.name': 'ehr.read',
      'vigil.step.kind': 'tool',
      'vigil.step.outcome': 'completed',
    });
    expect(named('GET /patients').map(parentOf)).toEqual([attempts[1]!.spanContext().spanId]);

    const [chat] = exporter.getFinishedSpans().filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
    expect(chat!.name).toBe(`chat ${String(chat!.attributes['gen_ai.request.model'])}`);
    expect(parentOf(chat!)).toBe(second!.spanContext().spanId);
    expect(chat!.attributes).toMatchObject({
      'gen_ai.provider.name': 'scripted',
      'gen_ai.response.model': chat!.attributes['gen_ai.request.model'],
      'vigil.step.name': 'summary',
      'vigil.step.seq': 2,
      'vigil.llm.model_name': 'default',
    });
    expect(chat!.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(chat!.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  });

  it('marks a failed step and the run it fails with an error status', async () => {
    const wf = defineWorkflow({ name: 'tracing.fails', input: Input }, async (ctx) => {
      await ctx.step('ok', () => 1);
      await ctx.step('refused', () => {
        throw new NonRetryableError('No such patient', { code: 'patient_unknown' });
      });
    });
    const vigil = h.vigil([wf], { worker: { pollMs: 100 }, tracing: { tracerProvider: provider } });
    const { id } = await vigil.start(wf, { patientId: 'P-404' });
    await expect(h.result(vigil, id)).rejects.toThrow(/No such patient/);
    await h.until(() => named('run tracing.fails').length === 1);

    const [run] = named('run tracing.fails');
    expect(run!.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: expect.stringContaining('No such patient') as string,
    });
    expect(['failed', 'dead_lettered']).toContain(run!.attributes['vigil.run.outcome']);
    expect(named('step ok')[0]!.status.code).toBe(SpanStatusCode.UNSET);
    const [refused] = named('step refused');
    expect(refused!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'No such patient' });
    expect(refused!.attributes).toMatchObject({ 'error.type': 'patient_unknown', 'vigil.step.outcome': 'failed' });
    expect(parentOf(refused!)).toBe(run!.spanContext().spanId);
  });

  it('uses the global tracer provider by default, and none with tracing off', async () => {
    // An application that set up OpenTelemetry itself gets Vigil's spans without telling Vigil.
    trace.setGlobalTracerProvider(provider);
    try {
      const wf = defineWorkflow({ name: 'tracing.global', input: Input }, async (ctx) => ctx.step('one', () => 1));
      const off = h.vigil([wf], { worker: { pollMs: 100 }, tracing: false });
      const { id: quiet } = await off.start(wf, { patientId: 'P-2' });
      expect(await h.result(off, quiet)).toBe(1);
      await off.close();
      const on = h.vigil([wf], { worker: { pollMs: 100 } });
      const { id: traced } = await on.start(wf, { patientId: 'P-3' });
      expect(await h.result(on, traced)).toBe(1);
      await h.until(() => named('run tracing.global').length === 1);
      expect(exporter.getFinishedSpans().map((s) => [s.name, s.spanContext().traceId])).toEqual([
        ['step one', trace.getSpanContext(runTraceParent(traced))!.traceId],
        ['run tracing.global', trace.getSpanContext(runTraceParent(traced))!.traceId],
      ]);
    } finally {
      trace.disable();
    }
  });
  it('makes no spans without an SDK, and gets them from one registered after the instance was created', async () => {
    // The span context a step body sees: without an SDK, the run's trace parent, as always.
    const seen: (string | undefined)[] = [];
    const wf = defineWorkflow({ name: 'tracing.late', input: Input }, async (ctx) =>
      ctx.step('one', () => {
        seen.push(trace.getActiveSpan()?.spanContext().spanId);
        return 1;
      }),
    );
    const vigil = h.vigil([wf], { worker: { pollMs: 100 } });
    const { id: before } = await vigil.start(wf, { patientId: 'P-4' });
    expect(await h.result(vigil, before)).toBe(1);
    trace.setGlobalTracerProvider(provider);
    try {
      const { id: after } = await vigil.start(wf, { patientId: 'P-5' });
      expect(await h.result(vigil, after)).toBe(1);
      await h.until(() => named('run tracing.late').length === 1);
      const traceId = trace.getSpanContext(runTraceParent(after))!.traceId;
      expect(exporter.getFinishedSpans().map((s) => [s.name, s.spanContext().traceId])).toEqual([
        ['step one', traceId],
        ['run tracing.late', traceId],
      ]);
      expect(seen).toEqual([
        trace.getSpanContext(runTraceParent(before))!.spanId,
        named('step one')[0]!.spanContext().spanId,
      ]);
    } finally {
      trace.disable();
    }
  });
});

describe('ExecutionTrace', () => {
  const run = { id: 'run-1', workflow: 'wf', version: 1, attempt: 1 };
  const call = { seq: 1, name: 'fetch', kind: 'step' };

  it('makes no spans while nothing is registered, and nests the attempts after a mid-execution registration under the run trace parent', () => {
    const proxy = new ProxyTracerProvider();
    const execution = new ExecutionTrace(new RunTracer(proxy, true), run);
    // Without an SDK every attempt shares one span that does nothing: none is made per attempt.
    expect(execution.startAttempt(call, 1)).toBe(execution.startAttempt(call, 2));

    const exporter = new InMemorySpanExporter();
    proxy.setDelegate(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    execution.startAttempt(call, 3).end({ ok: true });
    execution.end({ kind: 'completed' });
    // As with the no-op run span the execution began with: the attempt is a child of the run's parent.
    const parent = trace.getSpanContext(runTraceParent(run.id))!;
    expect(
      exporter.getFinishedSpans().map((s) => [s.name, s.spanContext().traceId, s.parentSpanContext?.spanId]),
    ).toEqual([['step fetch', parent.traceId, parent.spanId]]);
  });
});

describe('runTraceParent', () => {
  it('derives the trace and parent span ids from the SHA-256 of the run id', () => {
    expect(trace.getSpanContext(runTraceParent('run_1'))).toEqual({
      traceId: 'c662d4c84b6652ca832a8997bfebb449',
      spanId: '7420530916b3e0f7',
      traceFlags: 1,
      isRemote: true,
    });
  });
});
