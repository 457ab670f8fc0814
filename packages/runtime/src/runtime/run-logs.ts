import { AsyncLocalStorage } from 'node:async_hooks';

import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { redactForAudit, type RedactionRules } from '../governance/audit-redaction.js';
import type { StepLogLevel } from '../store/step-log-store.js';
import type { StepLogWriter } from './step-log-writer.js';

/** The step attempt a line belongs to. */
export interface LogScope {
  seq: number;
  step: string;
  attempt: number;
}

/** How many lines of one step attempt are stored, and how many bytes (message + fields). */
export interface StepLogCap {
  lines: number;
  bytes: number;
}

export const DEFAULT_STEP_LOG_CAP: StepLogCap = { lines: 200, bytes: 64 * 1024 };

/** What every execution's logs share: where lines go and how they are redacted and capped. */
export interface RunLogSettings {
  /** Stores the lines; undefined when this process stores none (`stepLogs: false`). */
  writer: StepLogWriter | undefined;
  /** The audit trail's redaction rules: a value the trail would hide is hidden in logs too. */
  rules: RedactionRules;
  cap: StepLogCap;
}

/**
 * The step attempt whose body is running, so that `ctx.log` called inside a step body (even
 * among parallel steps) is that step's line. One storage for the process: what it holds is per
 * call chain, and `owner` keeps two executions (or two Vigil instances) apart.
 */
const currentStep = new AsyncLocalStorage<{ owner: RunLogs; scope: LogScope }>();

/**
 * One execution's log lines. Every line goes to the process log (pino) with `runId` and
 * `workflow`, and inside a step `seq`, `step` and `attempt`; its fields redacted by the audit
 * trail's rules first, so a secret never reaches either place. Lines are also stored for the
 * dashboard (`step_logs`), capped per step attempt (per execution for the workflow code's own
 * lines, `seq` 0): past the cap, one warning line says that further lines were dropped.
 * Replay never reaches here: `ctx.log` is silent while the workflow replays, and replayed
 * steps do not run their bodies, so each line is stored once.
 */
export class RunLogs {
  private readonly counts = new Map<string, { lines: number; bytes: number; full: boolean }>();

  constructor(
    private readonly runId: string,
    /** The process log with this run's bindings (`runId`, `workflow`). */
    private readonly base: Logger,
    private readonly settings: RunLogSettings,
    private readonly clock: Clock,
  ) {}

  /** `ctx.log`: a line belongs to the step whose body logs it, else to the workflow code (seq 0). */
  workflowLogger(): Logger {
    return new CapturingLogger(this, this.base, null, {});
  }

  /** `StepContext.log` and a tool's `log`: every line belongs to this step attempt. */
  stepLogger(scope: LogScope): Logger {
    return new CapturingLogger(this, this.base.child({ ...scope }), scope, {});
  }

  /** Runs a step body so that `ctx.log` calls inside it are the step's lines. */
  inStep<T>(scope: LogScope, body: () => T): T {
    return currentStep.run({ owner: this, scope }, body);
  }

  /** The step attempt running in this call chain, if it is one of this execution's. */
  currentScope(): LogScope | null {
    const current = currentStep.getStore();
    return current?.owner === this ? current.scope : null;
  }

  redact(fields: Record<string, unknown>): Record<string, unknown> {
    const clean = redactForAudit('log', fields, this.settings.rules);
    return typeof clean === 'object' && clean !== null && !Array.isArray(clean) ? clean : { value: clean };
  }

  /** Queues a line for storage unless its step attempt is over its cap. */
  store(scope: LogScope | null, level: StepLogLevel, msg: string, fields: Record<string, unknown>): void {
    const writer = this.settings.writer;
    if (!writer) return;
    const key = scope ? `${scope.seq}:${scope.attempt}` : '0';
    let count = this.counts.get(key);
    if (!count) this.counts.set(key, (count = { lines: 0, bytes: 0, full: false }));
    if (count.full) return;
    const text = JSON.stringify(fields);
    const { cap } = this.settings;
    count.lines += 1;
    count.bytes += msg.length + text.length;
    const { runId } = this;
    const seq = scope?.seq ?? 0;
    const step = scope?.step ?? null;
    const attempt = scope?.attempt ?? null;
    const at = this.clock.now();
    // Spelled out rather than `{ ...line, at }`, which V8 gives a hidden class per line.
    if (count.lines > cap.lines || count.bytes > cap.bytes) {
      count.full = true;
      const note = 'further log lines of this step were dropped: it reached its cap';
      writer.add({ runId, seq, step, attempt, at, level: 'warn', msg: note, fields: JSON.stringify({ cap }) });
      return;
    }
    writer.add({ runId, seq, step, attempt, at, level, msg, fields: text });
  }
}

/** A logger that redacts, writes to the process log, and stores the line. */
class CapturingLogger implements Logger {
  private readonly hasBindings: boolean;

  constructor(
    private readonly owner: RunLogs,
    private readonly base: Logger,
    /** The step attempt of every line; null: the one running when the line is logged, if any. */
    private readonly scope: LogScope | null,
    /** What `child()` added, stored with each line's fields. */
    private readonly bindings: Record<string, unknown>,
  ) {
    this.hasBindings = Object.keys(bindings).length > 0;
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write('debug', message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.write('info', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('warn', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.write('error', message, fields);
  }

  child(bindings: Record<string, unknown>): Logger {
    const clean = this.owner.redact(bindings);
    return new CapturingLogger(this.owner, this.base.child(clean), this.scope, Object.assign({}, this.bindings, clean));
  }

  private write(level: StepLogLevel, message: string, fields: Record<string, unknown> | undefined): void {
    const msg = String(message);
    const clean = fields === undefined ? {} : this.owner.redact(fields);
    const scope = this.scope ?? this.owner.currentScope();
    // A workflow line inside a step carries the step's ids in the process log as well.
    this.base[level](msg, scope && !this.scope ? Object.assign({}, scope, clean) : clean);
    // No copy without bindings (the usual logger): `clean` is already a copy of the caller's
    // fields. Object.assign, not `{ ...a, ...b }`: see the hot-path rule in eslint.config.js.
    this.owner.store(scope, level, msg, this.hasBindings ? Object.assign({}, this.bindings, clean) : clean);
  }
}
