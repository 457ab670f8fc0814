import { createHash } from 'node:crypto';

import { InvalidArgumentError, NonRetryableError, RetryableError } from '../core/errors.js';
import type { StepPolicy } from '../core/step-policy.js';
import type { Tool, ToolCallContext } from '../core/tool.js';

/** The environment variable a `vigil worker` reads its tool faults from (JSON, a {@link ToolFaultSpec}). */
export const TOOL_FAULTS_ENV = 'VIGIL_TOOL_FAULTS';

/**
 * One tool invocation as the runtime is about to make it: the hook sees the tool, its checked
 * input, the attempt's context and the policy in force (timeout, fallback, effects).
 */
export interface ToolInvocation {
  readonly tool: Tool<unknown, unknown, unknown>;
  readonly input: unknown;
  readonly call: ToolCallContext;
  readonly policy: StepPolicy;
}

/**
 * Around every `tool.run` the runtime makes (`VigilOptions.toolFaults`): the chaos harness's
 * way into a user's tools without changing their code. `invoke` calls `run` (or not) and
 * returns its result; whatever it throws is the attempt's failure, judged by the tool's policy.
 * Without a hook the runtime calls `tool.run` directly: no cost when off.
 */
export interface ToolFaults {
  invoke(invocation: ToolInvocation, run: () => Promise<unknown>): Promise<unknown>;
}

/**
 * What a chaos worker injects, as JSON in `VIGIL_TOOL_FAULTS`. Random faults use the
 * `faultRoll` dice of `vigil/testing` (seed, idempotency key, attempt), so a run's faults are
 * the same on every worker and after a crash.
 */
export interface ToolFaultSpec {
  seed: string;
  /** Each attempt fails with this probability (`RetryableError`, code `injected_fault`). */
  failRate?: number;
  /** These tools fail every attempt (`NonRetryableError`): their failure policy decides. `'*'`: all. */
  failTools?: string[];
  /** Tools whose policy has a fallback or ends in `skip`/`escalate` fail every attempt. */
  failDegradable?: boolean;
  /** Every attempt waits past the tool's timeout (abortable); tools without a timeout wait `latencyMs`. */
  overTimeout?: boolean;
  /** Added before every attempt, abortable by the attempt's signal. */
  latencyMs?: number;
  /** Attempts beyond this many per second in this process answer 429 with `Retry-After: 1`. */
  rateLimitPerSecond?: number;
  /** The external ledger: each completed tool execution is POSTed to `<ledgerUrl>/record`. */
  ledgerUrl?: string;
  /** A label sent to the ledger with each record. */
  scenario?: string;
}

/** A number in [0, 1) fixed by (seed, idempotency key, attempt); the same dice as `faultRoll`. */
function roll(seed: string, key: string, attempt: number): number {
  return createHash('sha256').update(`${seed}\u0000${key}\u0000${attempt}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** Reads a {@link ToolFaultSpec} (JSON text); a bad one is an `invalid_argument` naming the field. */
export function toolFaultsFromSpec(text: string): ToolFaults {
  let spec: ToolFaultSpec;
  try {
    spec = JSON.parse(text) as ToolFaultSpec;
  } catch (error) {
    throw new InvalidArgumentError(`${TOOL_FAULTS_ENV}: not JSON (${String(error)})`);
  }
  if (!spec || typeof spec !== 'object' || typeof spec.seed !== 'string') {
    throw new InvalidArgumentError(`${TOOL_FAULTS_ENV}: expected an object with a string "seed"`);
  }
  const rate = spec.failRate ?? 0;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
    throw new InvalidArgumentError(`${TOOL_FAULTS_ENV}: failRate must be a number from 0 to 1; got ${String(rate)}`);
  }
  for (const field of ['latencyMs', 'rateLimitPerSecond'] as const) {
    const value = spec[field];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new InvalidArgumentError(`${TOOL_FAULTS_ENV}: ${field} must be a number ≥ 0; got ${String(value)}`);
    }
  }
  return new SpecFaults(spec);
}

class SpecFaults implements ToolFaults {
  private window = { second: 0, calls: 0 };

  constructor(private readonly spec: ToolFaultSpec) {}

  async invoke({ tool, call, policy }: ToolInvocation, run: () => Promise<unknown>): Promise<unknown> {
    const { spec } = this;
    const name = tool.name;
    if (spec.rateLimitPerSecond !== undefined) this.checkRate(name);
    const wait = spec.overTimeout ? (policy.timeoutMs ?? 0) + (spec.latencyMs ?? 0) + 50 : (spec.latencyMs ?? 0);
    if (wait > 0) await abortableSleep(wait, call.signal);
    if (spec.failTools?.includes(name) || spec.failTools?.includes('*')) {
      throw new NonRetryableError(`Injected persistent fault in ${name}`, { code: 'injected_fault' });
    }
    if (spec.failDegradable && (policy.fallback !== null || policy.onExhausted !== 'fail')) {
      throw new NonRetryableError(`Injected fault in ${name}, which has a degraded path`, { code: 'injected_fault' });
    }
    if (spec.failRate && roll(spec.seed, call.idempotencyKey, call.attempt) < spec.failRate) {
      throw new RetryableError(`Injected fault in ${name} (attempt ${call.attempt})`, { code: 'injected_fault' });
    }
    const output = await run();
    if (spec.ledgerUrl) await this.record(name, call, policy);
    return output;
  }

  private checkRate(name: string): void {
    const second = Math.floor(Date.now() / 1000);
    if (this.window.second !== second) this.window = { second, calls: 0 };
    if (++this.window.calls > this.spec.rateLimitPerSecond!) {
      throw Object.assign(new Error(`Injected rate limit on ${name}`), {
        code: 'injected_rate_limit',
        status: 429,
        headers: { 'retry-after': '1' },
      });
    }
  }

  /** Waits for the ledger's answer: an effect is counted before its checkpoint can commit. */
  private async record(tool: string, call: ToolCallContext, policy: StepPolicy): Promise<void> {
    const key = call.idempotencyKey;
    const body = {
      tool,
      key,
      runId: key.slice(0, key.lastIndexOf(':')),
      attempt: call.attempt,
      effects: policy.effects,
      scenario: this.spec.scenario ?? null,
      pid: process.pid,
    };
    const response = await fetch(`${this.spec.ledgerUrl}/record`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new RetryableError(`The chaos ledger refused a record (${response.status})`);
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (): void => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', fail);
      resolve();
    }, ms);
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
