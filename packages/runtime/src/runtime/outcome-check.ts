import { toErrorRecord, type VigilError } from '../core/errors.js';
import { withTimeout } from '../core/resilience/timeout.js';
import { stepIdempotencyKey } from '../core/step-identity.js';
import type { AttemptRecord, StepRecord } from '../store/checkpoint-store.js';
import type { PolicyCall, PolicyHost } from './policy-host.js';

/** What an at-most-once call's `verify` hook found out. */
export type VerifyOutcome =
  | { kind: 'happened'; output: unknown }
  | { kind: 'not_happened' }
  /** No hook, or the hook failed: only a human can tell. */
  | { kind: 'unknown'; reason: string }
  /** The execution stopped while the hook ran. */
  | { kind: 'stopped' };

/**
 * Asks an at-most-once call's `verify` hook whether attempt `record` took effect, within the
 * call's timeout and keyed by the step's idempotency key.
 */
export async function verifyOutcome(
  host: PolicyHost,
  call: PolicyCall,
  record: AttemptRecord,
  why: string,
): Promise<VerifyOutcome> {
  const { verify, name, seq, policy } = call;
  const unknown = `The outcome of "${name}" attempt ${record.attempt} is unknown (${why}) and it may run at most once`;
  if (!verify) return { kind: 'unknown', reason: `${unknown}; it has no verify hook` };
  try {
    const key = stepIdempotencyKey(host.runId, seq);
    const result = await withTimeout(host.deps.clock, policy.timeoutMs, host.signal, `verify of "${name}"`, () =>
      verify(key),
    );
    if (!host.active) return { kind: 'stopped' };
    return result.happened ? { kind: 'happened', output: result.output } : { kind: 'not_happened' };
  } catch (error) {
    return { kind: 'unknown', reason: `${unknown}; verify failed: ${toErrorRecord(error).message}` };
  }
}

/** The record of the attempt `r` left running when its worker stopped, ended `now`. */
export function interruptedAttempt(r: StepRecord, now: number): AttemptRecord {
  return {
    attempt: r.attempts,
    outcome: 'interrupted',
    error: null,
    startedAt: r.startedAt,
    endedAt: now,
    delayMs: null,
  };
}

/** The record of an attempt a gate (breaker, policy, rate limit) refused before it ran. */
export function refusedAttempt(attempt: number, now: number, error: VigilError): AttemptRecord {
  return { attempt, outcome: 'rejected', error: toErrorRecord(error), startedAt: now, endedAt: now, delayMs: null };
}
