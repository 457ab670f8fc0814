import type { StepHost } from './step-runner.js';
import type { PolicyCall } from './policy-step.js';

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
