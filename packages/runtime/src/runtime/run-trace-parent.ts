import { hash } from 'node:crypto';

import { ROOT_CONTEXT, trace, TraceFlags, type Context } from '@opentelemetry/api';

/**
 * The trace every execution of a run joins: its id and a parent span id derived from the run
 * id (SHA-256), so a run that suspends, moves to another worker or recovers from a crash stays
 * one trace without storing anything. The parent is a remote span that no process exports: the
 * executions are its children, each with its own start and end.
 */
export function runTraceParent(runId: string): Context {
  const digest = hash('sha256', `vigil.run:${runId}`, 'hex');
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: digest.slice(0, 32),
    spanId: digest.slice(32, 48),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
}

/**
 * The context of an execution nobody traces. The no-op tracer's run span is a non-recording
 * span with the run's trace parent as its span context, so the context it would give is the
 * trace parent's own: the same values, its SHA-256 computed at the first read (a step body that
 * looks at the active span under a registered context manager, a span started after an SDK was
 * registered mid-execution) rather than for every execution.
 */
export class RunParentContext implements Context {
  private parent: Context | undefined;

  constructor(private readonly runId: string) {}

  getValue(key: symbol): unknown {
    return this.resolve().getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.resolve().setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.resolve().deleteValue(key);
  }

  private resolve(): Context {
    return (this.parent ??= runTraceParent(this.runId));
  }
}
