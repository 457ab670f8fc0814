import { createHash } from 'node:crypto';

import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

import type { ErrorRecord } from '../core/errors.js';
import type { LlmUsage } from './step-runner.js';

/** What a tool or LLM call adds to its attempt spans: a name and the GenAI attributes known at the call. */
export interface SpanSpec {
  name: string;
  attributes: Attributes;
}

/** The run an execution belongs to. */
export interface TracedRun {
  id: string;
  workflow: string;
  version: number;
  /** How many times the run has been claimed, this execution included. */
  attempt: number;
}

/** How an execution ended, for its span. */
export type TracedOutcome =
  | { kind: 'completed' | 'suspended' }
  | { kind: 'failed' | 'dead_lettered'; error: ErrorRecord }
  | { kind: 'abandoned'; reason: string; error?: ErrorRecord };

/**
 * The trace every execution of a run joins: its id and a parent span id derived from the run
 * id (SHA-256), so a run that suspends, moves to another worker or recovers from a crash stays
 * one trace without storing anything. The parent is a remote span that no process exports: the
 * executions are its children, each with its own start and end.
 */
export function runTraceParent(runId: string): Context {
  const digest = createHash('sha256').update(`vigil.run:${runId}`).digest('hex');
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: digest.slice(0, 32),
    spanId: digest.slice(32, 48),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
}

/**
 * The spans of one execution of a run: the execution's span (`run <workflow>`), and a child
 * span per step attempt that runs a body (`step <name>`, `execute_tool <tool>`, `chat <model>`).
 * Replayed steps run no body and get no span. With no SDK registered, the OpenTelemetry API's
 * tracer makes non-recording spans that cost next to nothing.
 */
export class ExecutionTrace {
  private readonly span: Span;
  private readonly context: Context;

  constructor(
    private readonly tracer: Tracer,
    run: TracedRun,
  ) {
    this.span = tracer.startSpan(
      `run ${run.workflow}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'vigil.run.id': run.id,
          'vigil.workflow': run.workflow,
          'vigil.workflow.version': run.version,
          'vigil.run.attempt': run.attempt,
        },
      },
      runTraceParent(run.id),
    );
    this.context = trace.setSpan(ROOT_CONTEXT, this.span);
  }

  /** A span for one attempt of a step, a child of the execution's. */
  startAttempt(
    call: { seq: number; name: string; kind: string; span?: SpanSpec | undefined },
    attempt: number,
  ): AttemptSpan {
    const span = this.tracer.startSpan(
      call.span?.name ?? `step ${call.name}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'vigil.step.seq': call.seq,
          'vigil.step.name': call.name,
          'vigil.step.kind': call.kind,
          'vigil.step.attempt': attempt,
          ...call.span?.attributes,
        },
      },
      this.context,
    );
    return new AttemptSpan(span, trace.setSpan(this.context, span));
  }

  /** A failed attempt will be tried again after `delayMs`. */
  retrying(seq: number, name: string, attempt: number, delayMs: number): void {
    this.span.addEvent('step.retrying', {
      'vigil.step.seq': seq,
      'vigil.step.name': name,
      'vigil.step.attempt': attempt,
      'vigil.retry.delay_ms': delayMs,
    });
  }

  end(outcome: TracedOutcome): void {
    this.span.setAttribute('vigil.run.outcome', outcome.kind);
    if (outcome.kind === 'abandoned') this.span.setAttribute('vigil.run.abandoned_reason', outcome.reason);
    const error = 'error' in outcome ? outcome.error : undefined;
    if (error) setError(this.span, error);
    this.span.end();
  }
}

/** One step attempt's span. */
export class AttemptSpan {
  constructor(
    private readonly span: Span,
    private readonly context: Context,
  ) {}

  /** Runs the step body with this span current, so spans the body makes are its children. */
  run<T>(body: () => T): T {
    return context.with(this.context, body);
  }

  /** The attempt finished: its outcome, and for an LLM call the GenAI usage attributes. */
  end(outcome: { ok: true; llm?: LlmUsage } | { ok: false; error: ErrorRecord; timedOut: boolean } | 'stopped'): void {
    const span = this.span;
    if (outcome === 'stopped') {
      span.setAttribute('vigil.step.outcome', 'stopped');
    } else if (outcome.ok) {
      span.setAttribute('vigil.step.outcome', 'completed');
      const llm = outcome.llm;
      if (llm) {
        span.setAttributes({
          'gen_ai.response.model': llm.model,
          'gen_ai.usage.input_tokens': llm.tokens.input,
          'gen_ai.usage.output_tokens': llm.tokens.output,
          'vigil.cost.usd': llm.costUsd,
        });
      }
    } else {
      span.setAttribute('vigil.step.outcome', outcome.timedOut ? 'timed_out' : 'failed');
      setError(span, outcome.error);
    }
    span.end();
  }
}

function setError(span: Span, error: ErrorRecord): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  span.setAttribute('error.type', error.code ?? error.name);
  span.recordException({ name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) });
}

/** The GenAI span of a tool call (`execute_tool <tool>`). */
export function toolSpan(tool: string, version: string | undefined): SpanSpec {
  return {
    name: `execute_tool ${tool}`,
    attributes: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': tool,
      ...(version === undefined ? {} : { 'vigil.tool.version': version }),
    },
  };
}

/**
 * The GenAI span of an LLM call (`chat <model>`). `provider` is the AI SDK's (`openai.chat`):
 * its first part is the GenAI provider name (`openai`).
 */
export function chatSpan(model: string, provider: string, named: string): SpanSpec {
  return {
    name: `chat ${model}`,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': model,
      'gen_ai.provider.name': provider.split('.')[0] ?? provider,
      'vigil.llm.model_name': named,
    },
  };
}
