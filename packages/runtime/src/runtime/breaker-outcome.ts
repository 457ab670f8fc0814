import type { Admission } from '../core/resilience/circuit-breaker.js';
import type { StepHost } from './step-runner.js';
import type { PolicyCall } from './policy-host.js';

/**
 * Asks the call's shared circuit breaker whether an attempt may go: admitted (maybe as the one
 * probe of a half-open breaker), or refused until `retryAt`. An admitted probe holds the
 * breaker for the call's timeout (the lease TTL without one).
 */
export function admitToBreaker(
  host: StepHost,
  call: Pick<PolicyCall, 'breakerKey' | 'target' | 'policy'>,
): Promise<Admission> {
  const { store, clock, leaseTtlMs } = host.deps;
  const { policy } = call;
  return store.breakers.admit(
    call.breakerKey!,
    call.target,
    policy.breaker!,
    clock.now(),
    policy.timeoutMs ?? leaseTtlMs,
  );
}

/**
 * Records a call's outcome on its shared circuit breaker and announces a change of state
 * (`breaker.opened`, `breaker.closed`) once the store has it.
 */
export async function recordBreakerOutcome(
  host: StepHost,
  call: Pick<PolicyCall, 'breakerKey' | 'target' | 'policy'>,
  outcome: { ok: true } | { ok: false; error: string },
  probe: boolean,
): Promise<void> {
  const { store, events, clock } = host.deps;
  const key = call.breakerKey!;
  const { previous, breaker } = await store.breakers.record(
    key,
    call.target,
    call.policy.breaker!,
    clock.now(),
    outcome,
    probe,
  );
  if (previous === breaker.status) return;
  if (breaker.status === 'open') {
    events.emit('breaker.opened', { key, tool: breaker.tool, openUntil: breaker.openUntil!, error: breaker.lastError });
  } else if (breaker.status === 'closed') {
    events.emit('breaker.closed', { key, tool: breaker.tool });
  }
}
