import { ProxyTracerProvider, trace, type TracerProvider } from '@opentelemetry/api';

import type { Clock } from '../core/clock.js';
import { parseDuration, type Duration } from '../core/duration.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RedactionRules } from '../governance/audit-redaction.js';
import type { Store } from '../store/store.js';
import { DEFAULT_STEP_LOG_CAP, type RunLogSettings } from './run-logs.js';
import { RunTracer } from './run-tracer.js';
import { DEFAULT_STEP_LOG_RETENTION_MS, STEP_LOG_PRUNE_INTERVAL_MS, StepLogPruner } from './step-log-pruner.js';
import { StepLogWriter } from './step-log-writer.js';
import { holdTracingFromEnv, type TracingHold } from './tracing-setup.js';

export interface TracingOptions {
  /**
   * Spans go to this provider (e.g. one with an in-memory exporter) instead of the global one.
   * Default: the global tracer provider, which Vigil registers from the `OTEL_*` variables when
   * they configure an exporter, or an application registered itself; else the API's no-op.
   */
  tracerProvider?: TracerProvider;
}

export interface StepLogOptions {
  /** Lines stored per step attempt; past it, one line says the rest were dropped. Default 200. */
  maxLines?: number;
  /** Bytes (message + fields JSON) stored per step attempt. Default 64 KiB. */
  maxBytes?: number;
  /** How long a line waits to share its batch. Default 250 ms. */
  flushMs?: number;
  /**
   * How long lines are kept: older ones are deleted hourly by every process with a worker.
   * `false` keeps them forever. Default `VIGIL_STEP_LOG_RETENTION` (a duration such as `7d`, or
   * `off`), else `'30d'`.
   */
  retention?: Duration | false;
}

/** The tracer and the step-log settings a Vigil instance's executions use. */
export class RunObservability {
  readonly tracer: RunTracer;
  readonly runLogs: RunLogSettings;
  /** Resolves once the tracing SDK is registered; null when none is being started (nothing to wait for). */
  readonly ready: Promise<void> | null;
  /** Deletes lines past their retention; null when they are kept forever (or not stored). */
  readonly pruner: StepLogPruner | null;
  private readonly hold: TracingHold | null;

  constructor(
    deps: { store: Store; clock: Clock; logger: Logger; ready: Promise<void>; rules: RedactionRules },
    options: { tracing?: TracingOptions | false | undefined; stepLogs?: StepLogOptions | false | undefined },
  ) {
    const tracing = options.tracing;
    this.hold = tracing === false || tracing?.tracerProvider ? null : holdTracingFromEnv(deps.logger);
    // Vigil picks the provider unless one is given: the global one, or with tracing off a proxy
    // nothing is ever registered with.
    const given = tracing === false ? undefined : tracing?.tracerProvider;
    const provider = given ?? (tracing === false ? new ProxyTracerProvider() : trace.getTracerProvider());
    this.tracer = new RunTracer(provider, given === undefined);
    this.ready = this.hold?.ready ?? null;
    const stepLogs = options.stepLogs;
    this.runLogs = {
      writer:
        stepLogs === false
          ? undefined
          : new StepLogWriter({
              store: deps.store,
              clock: deps.clock,
              logger: deps.logger,
              ready: deps.ready,
              ...(stepLogs?.flushMs === undefined ? {} : { flushMs: positive(stepLogs.flushMs, 'flushMs') }),
            }),
      rules: deps.rules,
      cap: {
        lines: positive(stepLogs ? stepLogs.maxLines : undefined, 'maxLines') ?? DEFAULT_STEP_LOG_CAP.lines,
        bytes: positive(stepLogs ? stepLogs.maxBytes : undefined, 'maxBytes') ?? DEFAULT_STEP_LOG_CAP.bytes,
      },
    };
    const retentionMs = stepLogs === false ? null : resolveStepLogRetention(stepLogs?.retention);
    this.pruner =
      retentionMs === null ? null : new StepLogPruner(deps, { retentionMs, intervalMs: STEP_LOG_PRUNE_INTERVAL_MS });
  }

  /** Starts pruning old lines (a process with a worker does; a CLI command's instance does not). */
  startPruning(): void {
    this.pruner?.start();
  }

  /** Stores the lines still waiting. */
  flushLogs(): Promise<void> {
    return this.runLogs.writer?.flush() ?? Promise.resolve();
  }

  /** Stores the lines still waiting and lets go of the tracing SDK (the last holder flushes and stops it). */
  async close(): Promise<void> {
    await this.pruner?.close();
    await this.runLogs.writer?.close();
    await this.hold?.release();
  }
}

function positive<T extends number | undefined>(value: T, name: string): T {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
    throw new InvalidArgumentError(`stepLogs.${name} must be a positive integer; got ${String(value)}`, {
      path: `stepLogs.${name}`,
    });
  }
  return value;
}

/** `stepLogs.retention`, else `VIGIL_STEP_LOG_RETENTION` (`off` keeps lines forever), else 30 days; null: forever. */
export function resolveStepLogRetention(option: Duration | false | undefined): number | null {
  if (option === false) return null;
  if (option !== undefined) return parseDuration(option, 'stepLogs.retention');
  const env = process.env['VIGIL_STEP_LOG_RETENTION']?.trim();
  if (env === undefined || env === '') return DEFAULT_STEP_LOG_RETENTION_MS;
  if (env === 'off' || env === 'false') return null;
  return parseDuration(env as Duration, 'VIGIL_STEP_LOG_RETENTION');
}
