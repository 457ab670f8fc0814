/**
 * Vigil's typed errors. Each carries a stable `code` (part of the public contract: HTTP
 * bodies, the CLI and stored step errors use it) and says whether retrying can help.
 *
 * Recognise them with `isVigilError(e)` or a class's static `is(e)`, which check a brand and
 * the code rather than `instanceof`, so they work across two copies of the package.
 */
import { readDuration, type Duration } from './duration-parse.js';

const BRAND = Symbol.for('vigil.error');

export interface VigilErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  /** Dotted path of the offending field in a request or input, when there is one. */
  path?: string;
  details?: Record<string, unknown>;
}

export class VigilError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly path: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly [BRAND] = true;

  constructor(code: string, message: string, options: VigilErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.path = options.path;
    this.details = options.details;
  }
}

export function isVigilError(error: unknown): error is VigilError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

/** Whether `error` is a Vigil error with this code. */
export function hasCode(error: unknown, code: string): boolean {
  return isVigilError(error) && error.code === code;
}

/** An argument given to a Vigil API is wrong; fix the call. */
export class InvalidArgumentError extends VigilError {
  constructor(message: string, options: VigilErrorOptions = {}) {
    super('invalid_argument', message, options);
  }
}

/** A request or workflow input does not match its schema. `path` names the first bad field. */
export class ValidationError extends VigilError {
  constructor(code: string, message: string, options: VigilErrorOptions = {}) {
    super(code, message, options);
  }
  static is(error: unknown): error is ValidationError {
    return isVigilError(error) && error.name === 'ValidationError';
  }
}

/** Thrown by user code to stop at once: the failure is permanent and retrying cannot help. */
export class NonRetryableError extends VigilError {
  constructor(message: string, options: VigilErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'non_retryable', message, { ...options, retryable: false });
  }
}

/**
 * Thrown by user code for a transient failure, optionally with the delay the callee asked for:
 * `retryAfterMs` in milliseconds or `retryAfter` as a {@link Duration} (`retryAfterMs` wins if
 * both are given). The retry policy waits at least that long before the next attempt.
 *
 * @example
 * throw new RetryableError('rate limited', { retryAfter: '5s' });
 */
export class RetryableError extends VigilError {
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    options: VigilErrorOptions & { code?: string; retryAfterMs?: number; retryAfter?: Duration } = {},
  ) {
    super(options.code ?? 'retryable', message, { ...options, retryable: true });
    this.retryAfterMs = options.retryAfterMs ?? retryAfterToMs(options.retryAfter);
  }
}

function retryAfterToMs(retryAfter: Duration | undefined): number | undefined {
  if (retryAfter === undefined) return undefined;
  const reading = readDuration(retryAfter, 'RetryableError retryAfter');
  if (!reading.ok) throw new InvalidArgumentError(reading.problem, { path: 'retryAfter' });
  return reading.ms;
}

/**
 * A step or tool call ran past its timeout. Its signal was aborted with this error; retrying
 * may help, so it counts as a transient failure.
 */
export class TimeoutError extends VigilError {
  readonly timeoutMs: number;
  /** @param what the thing that timed out, as it reads in a sentence: `Step "x"`, `Tool insurance.check`. */
  constructor(what: string, timeoutMs: number) {
    super('timeout', `${what} timed out after ${timeoutMs} ms`, { retryable: true, details: { timeoutMs } });
    this.timeoutMs = timeoutMs;
  }
  static is(error: unknown): error is TimeoutError {
    return hasCode(error, 'timeout');
  }
}

/**
 * A circuit breaker is open: recent calls through it failed, so this one was refused without
 * being tried. Not retryable as such; the breaker admits calls again from `retryAt`.
 */
export class CircuitOpenError extends VigilError {
  readonly breaker: string;
  /** Milliseconds since the epoch from which the breaker may admit a call again. */
  readonly retryAt: number;
  constructor(breakerKey: string, retryAt: number) {
    super('circuit_open', `Circuit breaker "${breakerKey}" is open until ${isoTime(retryAt)}`, {
      retryable: false,
      details: { breaker: breakerKey, retryAt },
    });
    this.breaker = breakerKey;
    this.retryAt = retryAt;
  }
  static is(error: unknown): error is CircuitOpenError {
    return hasCode(error, 'circuit_open');
  }
}

function isoTime(epochMs: number): string {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? String(epochMs) : date.toISOString();
}

/** Something named by id does not exist (a run, a workflow). */
export class NotFoundError extends VigilError {
  constructor(code: `${string}_not_found`, message: string, options: VigilErrorOptions = {}) {
    super(code, message, options);
  }
  static is(error: unknown): error is NotFoundError {
    return isVigilError(error) && error.code.endsWith('_not_found');
  }
}

/** The request conflicts with the current state: a reused idempotency key, a finished run. */
export class ConflictError extends VigilError {
  constructor(code: string, message: string, options: VigilErrorOptions = {}) {
    super(code, message, options);
  }
  static is(error: unknown): error is ConflictError {
    return isVigilError(error) && error.name === 'ConflictError';
  }
}

/** A payload is over its size limit. */
export class PayloadTooLargeError extends VigilError {
  constructor(message: string, options: VigilErrorOptions = {}) {
    super('payload_too_large', message, options);
  }
}

/**
 * On replay, the workflow called a different step at a sequence number than the one recorded:
 * the code changed under a running run, or it is not deterministic. Never silently continued.
 */
export class StepMismatchError extends VigilError {
  constructor(
    readonly runId: string,
    readonly seq: number,
    readonly recorded: string,
    readonly requested: string,
  ) {
    super(
      'step_mismatch',
      `Run ${runId} replayed step #${seq} as "${requested}", but the history records "${recorded}" there. ` +
        `The workflow code changed under a running run, or it is not deterministic ` +
        `(use ctx.now(), ctx.random() and ctx.uuid() instead of Date.now(), Math.random() and randomUUID()).`,
      { details: { runId, seq, recorded, requested } },
    );
  }
  static is(error: unknown): error is StepMismatchError {
    return hasCode(error, 'step_mismatch');
  }
}

/**
 * This worker no longer holds the run's lease (it expired and another worker claimed the run,
 * or the run was cancelled). The write that raised it committed nothing.
 */
export class LeaseLostError extends VigilError {
  constructor(readonly runId: string) {
    super('lease_lost', `Lost the lease on run ${runId}: another worker owns it now, or it was cancelled`, {
      retryable: true,
    });
  }
  static is(error: unknown): error is LeaseLostError {
    return hasCode(error, 'lease_lost');
  }
}

/** A stored checkpoint does not match its checksum. It is never used. */
export class CheckpointCorruptedError extends VigilError {
  /** `seq` 0 with name `$input` is the run's input. */
  constructor(runId: string, seq: number, name: string) {
    super(
      'checkpoint_corrupted',
      seq === 0
        ? `The stored input of run ${runId} does not match its checksum; it was not used`
        : `The checkpoint of step #${seq} "${name}" in run ${runId} does not match its checksum; it was not used`,
      { details: { runId, seq, name } },
    );
  }
  static is(error: unknown): error is CheckpointCorruptedError {
    return hasCode(error, 'checkpoint_corrupted');
  }
}

/**
 * A step's body failed. Workflow code sees this error both on the first execution and on
 * replay, built from the stored record, so both paths behave the same.
 */
export class StepFailedError extends VigilError {
  constructor(
    readonly stepName: string,
    readonly failure: ErrorRecord,
    readonly seq?: number,
    readonly attempts?: number,
  ) {
    super(
      'step_failed',
      `Step "${stepName}" failed${attempts && attempts > 1 ? ` after ${attempts} attempts` : ''}: ${failure.message}`,
      {
        retryable: false,
        details: {
          step: stepName,
          error: failure,
          ...(seq === undefined ? {} : { seq }),
          ...(attempts ? { attempts } : {}),
        },
      },
    );
  }
  static is(error: unknown): error is StepFailedError {
    return hasCode(error, 'step_failed');
  }
}

/**
 * A human resolved an escalation with `abort`, or it timed out with `onTimeout: 'abort'`. The
 * run ends `failed` (not dead-lettered: someone decided it should stop).
 */
export class EscalationAbortedError extends VigilError {
  constructor(
    readonly escalationId: string,
    readonly resolvedBy: string | null,
    note: string | null = null,
  ) {
    super(
      'escalation_aborted',
      `Escalation ${escalationId} was resolved with "abort"${resolvedBy ? ` by ${resolvedBy}` : ''}${note ? `: ${note}` : ''}`,
      { details: { escalationId, resolvedBy, note } },
    );
  }
  static is(error: unknown): error is EscalationAbortedError {
    return hasCode(error, 'escalation_aborted');
  }
}

/** A run ended without a result: failed, cancelled or dead-lettered. Raised by `result(id)`. */
export class RunFailedError extends VigilError {
  constructor(
    readonly runId: string,
    readonly status: string,
    readonly failure: ErrorRecord | null,
  ) {
    super(
      status === 'cancelled' ? 'run_cancelled' : 'run_failed',
      `Run ${runId} ended ${status}${failure ? `: ${failure.message}` : ''}`,
      { details: { runId, status, error: failure } },
    );
  }
}

/** The serialised form of an error, as stored in checkpoints and returned by the API. */
export interface ErrorRecord {
  name: string;
  message: string;
  code?: string;
  retryable?: boolean;
  stack?: string;
  details?: Record<string, unknown>;
}

/** Normalises anything thrown into an {@link ErrorRecord}. */
export function toErrorRecord(error: unknown): ErrorRecord {
  if (isVigilError(error)) {
    return compact({
      name: error.name,
      message: error.message,
      code: error.code,
      retryable: error.retryable,
      stack: error.stack,
      details: error.details,
    });
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return compact({
      name: error.name,
      message: error.message,
      code: typeof code === 'string' ? code : undefined,
      stack: error.stack,
    });
  }
  return { name: 'Error', message: typeof error === 'string' ? error : safeDescribe(error) };
}

function compact(record: ErrorRecord): ErrorRecord {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as unknown as ErrorRecord;
}

function safeDescribe(value: unknown): string {
  try {
    return `Non-error thrown: ${JSON.stringify(value) ?? String(value)}`;
  } catch {
    return `Non-error thrown: ${Object.prototype.toString.call(value)}`;
  }
}
