import {
  context,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

import type { ErrorRecord } from '../core/errors.js';
import { RunParentContext, runTraceParent } from './run-trace-parent.js';
import type { RunTracer } from './run-tracer.js';
import type { LlmUsage } from './attempt-context.js';

/** What a tool or LLM call adds to its attempt spans: a name and the GenAI attributes known at the call. */
export interface SpanSpec {
  name: string;
  attributes: Attributes;
  /** The span its attempts nest under (an agent's `invoke_agent`); default the execution's. */
  parent?: Context;
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
  | { kind: 'completed' }
  | { kind: 'suspended'; suspension?: { status: string; wakeAt: number | null } }
  | { kind: 'failed' | 'dead_lettered'; error: ErrorRecord }
  | { kind: 'abandoned'; reason: string; error?: ErrorRecord };

/** The span of an execution nobody traces: stateless, every method does nothing. */
const UNRECORDED_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * The spans of one execution of a run: the execution's span (`run <workflow>`), and a child
 * span per step attempt that runs a body (`step <name>`, `execute_tool <tool>`, `chat <model>`).
 * Replayed steps run no body and get no span.
 *
 * While the tracer is idle (no SDK registered: see {@link RunTracer}) the execution makes no
 * spans at all, and its step bodies run under the context the no-op tracer's spans would have
 * given them (the run's trace parent, computed only if read); an SDK registered mid-execution
 * gets the next attempts' spans, parented as they would have been.
 */
export class ExecutionTrace {
  private readonly span: Span;
  private readonly context: Context;
  /** The one attempt span of every attempt while nobody traces this execution; undefined when traced. */
  private readonly unrecordedAttempt: AttemptSpan | undefined;
  /** Agents whose loop has not returned: the execution's end ends them (a suspension inside one). */
  private readonly agents = new Set<AgentSpan>();

  constructor(
    private readonly tracer: RunTracer,
    run: TracedRun,
  ) {
    if (tracer.idle()) {
      this.span = UNRECORDED_SPAN;
      this.context = new RunParentContext(run.id);
      this.unrecordedAttempt = new AttemptSpan(UNRECORDED_SPAN, this.context);
      return;
    }
    this.span = tracer.tracer.startSpan(
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
    this.unrecordedAttempt = undefined;
  }

  /** A span for one attempt of a step, a child of the execution's. */
  startAttempt(
    call: { seq: number; name: string; kind: string; span?: SpanSpec | undefined },
    attempt: number,
  ): AttemptSpan {
    if (this.unrecordedAttempt && this.tracer.idle()) return this.unrecordedAttempt;
    const span = this.tracer.tracer.startSpan(
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
      call.span?.parent ?? this.context,
    );
    return new AttemptSpan(span, trace.setSpan(this.context, span));
  }

  /**
   * The `invoke_agent <name>` span of a `ctx.agent` loop, a child of the execution's; its
   * turns' `chat` and its tools' `execute_tool` spans nest under it (through
   * {@link AgentSpan.context}). Started at the loop's first call that runs: a loop replayed
   * from its checkpoints runs none and leaves no empty span.
   */
  startAgent(name: string): AgentSpan {
    const agent = new AgentSpan(this.tracer.tracer, this.context, name, () => this.agents.delete(agent));
    this.agents.add(agent);
    return agent;
  }

  /**
   * A step that stops the run until `wakeAt` (a sleep, a retry backoff) or a human (an
   * escalation or approval, `wakeAt` its timeout or null): a `vigil.wait` event, so the trace
   * shows where the run stood still. The gap before the next execution's span is the wait.
   */
  waiting(
    step: { seq: number; name: string; kind: string; escalation?: { id: string } | undefined },
    wakeAt: number | null,
    status: 'sleeping' | 'retrying' | 'waiting',
  ): void {
    this.span.addEvent('vigil.wait', {
      'vigil.step.seq': step.seq,
      'vigil.step.name': step.name,
      'vigil.step.kind': step.kind,
      'vigil.wait.status': status,
      ...(wakeAt === null ? {} : { 'vigil.wait.wake_at': new Date(wakeAt).toISOString() }),
      ...(step.escalation ? { 'vigil.escalation.id': step.escalation.id } : {}),
    });
  }

  /** An escalation was committed (blocking or not). */
  escalationOpened(escalation: { id: string; seq: number; step: string; kind: string; blocking: boolean }): void {
    this.span.addEvent('escalation.opened', {
      'vigil.escalation.id': escalation.id,
      'vigil.escalation.kind': escalation.kind,
      'vigil.escalation.blocking': escalation.blocking,
      'vigil.step.seq': escalation.seq,
      'vigil.step.name': escalation.step,
    });
  }

  /** The step found its escalation decided (by a human or its timeout) and goes on. */
  escalationResolved(escalation: {
    id: string;
    seq: number;
    step: string;
    decision: string | null;
    resolvedBy: string | null;
    createdAt: number;
    resolvedAt: number | null;
  }): void {
    this.span.addEvent('escalation.resolved', {
      'vigil.escalation.id': escalation.id,
      'vigil.escalation.decision': escalation.decision ?? 'none',
      'vigil.escalation.resolved_by': escalation.resolvedBy ?? 'unknown',
      'vigil.step.seq': escalation.seq,
      'vigil.step.name': escalation.step,
      ...(escalation.resolvedAt === null
        ? {}
        : { 'vigil.escalation.open_ms': escalation.resolvedAt - escalation.createdAt }),
    });
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
    for (const agent of [...this.agents]) agent.end(outcome.kind === 'suspended' ? 'suspended' : 'stopped');
    this.span.setAttribute('vigil.run.outcome', outcome.kind);
    if (outcome.kind === 'suspended' && outcome.suspension) {
      const { status, wakeAt } = outcome.suspension;
      this.span.setAttribute('vigil.run.suspended_status', status);
      if (wakeAt !== null) this.span.setAttribute('vigil.run.wake_at', new Date(wakeAt).toISOString());
    }
    if (outcome.kind === 'abandoned') this.span.setAttribute('vigil.run.abandoned_reason', outcome.reason);
    const error = 'error' in outcome ? outcome.error : undefined;
    if (error) setError(this.span, error);
    this.span.end();
  }
}

/** What an agent loop returned, for its span. */
export interface TracedAgentResult {
  stopReason: string;
  turns: number;
  costUsd: number;
  usage: { input: number; output: number };
}

/** The `invoke_agent` span of one agent loop in one execution; see {@link ExecutionTrace.startAgent}. */
export class AgentSpan {
  private span: Span | undefined;
  private spanContext: Context | undefined;
  private ended = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly parent: Context,
    private readonly name: string,
    private readonly onEnd: () => void,
  ) {}

  /** The context its calls' spans nest under; starts the span at the first call that runs. */
  context(): Context {
    if (!this.spanContext) {
      this.span = this.tracer.startSpan(
        `invoke_agent ${this.name}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': this.name },
        },
        this.parent,
      );
      this.spanContext = trace.setSpan(this.parent, this.span);
    }
    return this.spanContext;
  }

  /**
   * The loop returned, threw, or the execution ended inside it (`suspended`: it waits for a
   * sleep, retry or human; `stopped`: the execution was cut off). Once only.
   */
  end(
    outcome: { ok: true; result: TracedAgentResult } | { ok: false; error: ErrorRecord } | 'suspended' | 'stopped',
  ): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
    const span = this.span;
    if (!span) return;
    if (typeof outcome === 'string') {
      span.setAttribute('vigil.agent.outcome', outcome);
    } else if (outcome.ok) {
      const { result } = outcome;
      span.setAttributes({
        'vigil.agent.outcome': 'completed',
        'vigil.agent.stop_reason': result.stopReason,
        'vigil.agent.turns': result.turns,
        'gen_ai.usage.input_tokens': result.usage.input,
        'gen_ai.usage.output_tokens': result.usage.output,
        'vigil.cost.usd': result.costUsd,
      });
    } else {
      span.setAttribute('vigil.agent.outcome', 'failed');
      setError(span, outcome.error);
    }
    span.end();
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
