import { EscalationAbortedError } from '../core/errors.js';
import type { StepRecord } from '../store/checkpoint-store.js';
import { settledEscalation } from './escalation-flow.js';
import type { StepDetail } from './step-detail.js';
import type { StepHost } from './step-runner.js';
import { accessGranted } from './tool-access-gate.js';
import type { GateOutcome, ToolAccessStep } from './tool-access-step.js';

/**
 * What a step that waits on its escalation does when its run is picked up again. `PolicyStep`
 * does it, as it does a gate's outcome.
 */
export type Resumption =
  /** Still open: the step waits on, until the escalation's timeout if it has one. */
  | { kind: 'wait'; until: number | null }
  /** The escalation asked for a tool call's approval: the access gate follows the decision. */
  | { kind: 'approval'; outcome: GateOutcome }
  /** A new round of attempts, with this detail. */
  | { kind: 'retry'; detail: StepDetail }
  /** Go on with the step's fallback. */
  | { kind: 'skip' }
  /** A human provided the step's result (parsed, not yet checked against the call's output). */
  | { kind: 'provide'; value: unknown }
  /** Aborted, timed out to abort, or a decision that does not fit a failure: the step fails. */
  | { kind: 'abort'; error: EscalationAbortedError };

/**
 * Reads the escalation step `r` waits on (resolving it if its timeout passed) and says how the
 * step goes on. `guard` wraps the store calls (a failure there stops the execution); whatever
 * else throws (a step without an escalation, a provided value that is not JSON) is the step's
 * failure.
 */
export async function resumeAfterEscalation(
  host: StepHost,
  r: StepRecord,
  detail: StepDetail,
  access: ToolAccessStep | undefined,
  guard: <T>(call: () => Promise<T>) => Promise<T>,
): Promise<Resumption> {
  const id = detail.escalationId;
  if (!id) throw new Error(`Step "${r.name}" of run ${host.runId} waits without an escalation`);
  const settled = await guard(() => settledEscalation(host, id));
  if ('waitUntil' in settled) return { kind: 'wait', until: settled.waitUntil };
  if (detail.policy?.decision === 'approval_requested') {
    // A human approved the exact arguments (the call goes on to its attempt) or did not.
    if (!access) throw new Error(`Step "${r.name}" of run ${host.runId} awaits an approval but is not a tool call`);
    return { kind: 'approval', outcome: access.approval(detail, settled) };
  }
  switch (settled.decision) {
    case 'retry':
      // A new round of attempts; a call the policy let through is not asked about again.
      return {
        kind: 'retry',
        detail: { escalationId: id, ...(accessGranted(detail.policy) ? { policy: detail.policy } : {}) },
      };
    case 'skip':
      return { kind: 'skip' };
    case 'provide':
      return { kind: 'provide', value: settled.value === null ? null : JSON.parse(settled.value) };
    // Approve and reject fit approvals alone (the inbox refuses them elsewhere): stop, to be safe.
    case 'approve':
    case 'reject':
    case 'abort':
    case null:
      return { kind: 'abort', error: new EscalationAbortedError(id, settled.resolvedBy, settled.note) };
  }
}
