/**
 * The tool access policy's gates on a tool step, as `PolicyStep` asks them before an attempt:
 * the policy's decision (once per step), the approval a human gives or refuses, and a token of
 * the tool's rate limit. Each returns what to do; `PolicyStep` does it (wait, fail, escalate),
 * so the gates stay beside the other gates of an attempt without growing it.
 */
import { sha256 } from '../core/checksum.js';
import { PolicyDeniedError } from '../core/governance-errors.js';
import { canonicalJson } from '../core/json.js';
import type { ToolAccessPolicy } from '../core/tool-access-policy.js';
import { evaluateToolCall } from '../governance/tool-policy.js';
import { bucketShape, rateLimitKey } from '../governance/tool-rate-limit.js';
import type { EscalationRecord, NewEscalation, NewOutboxMessage } from '../store/escalation-store.js';
import { newEscalation } from './escalation-flow.js';
import type { RuntimeEventMap } from './events.js';
import type { PolicyDetail } from './step-detail.js';
import type { StepHost } from './step-runner.js';

/** What the tool access policy needs to know about one tool call. */
export interface ToolAccess {
  tool: string;
  /** The arguments as checked against the tool's input schema: what the tool would get. */
  args: unknown;
  policy: ToolAccessPolicy | undefined;
  /** The run's input, as the workflow's schema parsed it. */
  input: unknown;
  /** Who started the run. */
  principal: string | null;
  /**
   * A call an agent's model chose: a refusal fails the step at once (the model is told) rather
   * than following the tool's failure policy.
   */
  refusalToCaller?: boolean;
  /** Why the model chose this call, in its own words: recorded with the policy's decision. */
  reasoning?: string;
}

export type PolicyEventDecision = RuntimeEventMap['policy.decided']['decision'];

/** The outcome of the policy gate on a call not decided yet. */
export type AccessVerdict =
  | { kind: 'go'; detail: PolicyDetail }
  | { kind: 'deny'; detail: PolicyDetail; error: PolicyDeniedError }
  | {
      kind: 'ask';
      detail: PolicyDetail;
      escalation: NewEscalation;
      notification: NewOutboxMessage;
    };

/** Whether the step's detail records a decision that lets its attempts go on. */
export function accessGranted(detail: PolicyDetail | undefined): boolean {
  return detail?.decision === 'allowed' || detail?.decision === 'approved';
}

/**
 * Decides the call, and for an approval builds the blocking escalation (kind `approval`) whose
 * context shows the tool and its exact arguments; the arguments' hash binds the approval to them.
 */
export function decideAccess(
  host: StepHost,
  access: ToolAccess,
  step: { seq: number; name: string; assignee: string | null },
): AccessVerdict {
  const verdict = evaluateToolCall(access.policy, access.tool, access.args, access.input);
  if (verdict.decision === 'allowed') return { kind: 'go', detail: { decision: 'allowed', rule: verdict.rule } };
  if (verdict.decision === 'denied') {
    const { rule, reason } = verdict;
    return {
      kind: 'deny',
      detail: { decision: 'denied', rule, reason },
      error: new PolicyDeniedError(rule, access.tool, reason),
    };
  }
  const argsHash = argumentsHash(access.args);
  const { escalation, notification } = newEscalation(host, {
    seq: step.seq,
    step: step.name,
    kind: 'approval',
    reason: `Approve ${access.tool} with these exact arguments before it runs`,
    // An agent's proposal: the approver sees why the model wants it, in its own words.
    summary: access.reasoning ? `The agent's reasoning: ${access.reasoning}` : null,
    assignee: verdict.assignee ?? step.assignee,
    blocking: true,
    context: JSON.stringify({
      runId: host.runId,
      workflow: host.workflowName,
      tool: access.tool,
      args: access.args,
      rule: verdict.rule,
      argsHash,
      ...(access.reasoning ? { reasoning: access.reasoning } : {}),
    }),
    // An approval waits for its human: no timeout decides it for them.
    timeoutMs: undefined,
    onTimeout: 'abort',
  });
  return {
    kind: 'ask',
    detail: { decision: 'approval_requested', rule: verdict.rule, argsHash },
    escalation,
    notification,
  };
}

/**
 * What a resolved approval decides: `approved` when a human approved these very arguments;
 * `rejected` when they rejected it (the note is the reason), or when the call's arguments are no
 * longer the ones they saw; `abort` for anything else (an abort stops the run).
 */
export function approvalOutcome(
  access: ToolAccess | undefined,
  pending: PolicyDetail,
  settled: EscalationRecord,
):
  | { kind: 'approved'; detail: PolicyDetail }
  | { kind: 'rejected'; detail: PolicyDetail; error: PolicyDeniedError }
  | {
      kind: 'abort';
    } {
  if (!access) throw new Error(`Escalation ${settled.id} approves a call that is not a tool call`);
  const rule = pending.rule ?? `approval.${access.tool}`;
  const reject = (reason: string) => ({
    kind: 'rejected' as const,
    detail: { decision: 'rejected' as const, rule, reason },
    error: new PolicyDeniedError(rule, access.tool, reason),
  });
  if (settled.decision === 'approve') {
    if (argumentsHash(access.args) !== pending.argsHash) {
      return reject('the arguments of the call are not the ones that were approved');
    }
    return { kind: 'approved', detail: { decision: 'approved', rule, argsHash: pending.argsHash } };
  }
  if (settled.decision === 'reject') {
    return reject(settled.note ?? `rejected by ${settled.resolvedBy ?? 'a human'}`);
  }
  return { kind: 'abort' };
}

/** The outcome of the rate-limit gate: a token, a wait until `retryAt`, or a denial. */
export type TokenVerdict =
  | { kind: 'go' }
  | { kind: 'wait'; retryAt: number; rule: string; reason: string }
  | { kind: 'deny'; rule: string; reason: string; error: PolicyDeniedError };

/** Takes a token of the tool's rate limit, if the policy gives it one, from the shared bucket. */
export async function takeToolToken(host: StepHost, access: ToolAccess): Promise<TokenVerdict> {
  const limit = access.policy?.rateLimits.get(access.tool);
  if (!limit) return { kind: 'go' };
  const key = rateLimitKey(limit, {
    tool: access.tool,
    workflow: host.workflowName,
    runId: host.runId,
    input: access.input,
  });
  const taken = await host.deps.store.rateLimits.take(key, bucketShape(limit), host.deps.clock.now());
  if (taken.ok) return { kind: 'go' };
  const rule = `rateLimits.${access.tool}`;
  const reason =
    `${access.tool} is limited to ${limit.limit} call(s) per ${limit.periodMs} ms (bucket ${key}); ` +
    `the next token comes at ${new Date(taken.retryAt).toISOString()}`;
  if (limit.whenLimited === 'wait') return { kind: 'wait', retryAt: taken.retryAt, rule, reason };
  return { kind: 'deny', rule, reason, error: new PolicyDeniedError(rule, access.tool, reason) };
}

/** Emits `policy.decided` for the step's call. */
export function announcePolicy(
  host: StepHost,
  access: ToolAccess,
  step: { seq: number; name: string },
  decision: PolicyEventDecision,
  rule: string | null,
  reason: string | null,
): void {
  host.deps.events.emit('policy.decided', {
    runId: host.runId,
    seq: step.seq,
    step: step.name,
    tool: access.tool,
    decision,
    rule,
    reason,
    args: access.args,
    principal: access.principal,
    ...(access.reasoning === undefined ? {} : { reasoning: access.reasoning }),
  });
}

function argumentsHash(args: unknown): string {
  return sha256(canonicalJson(args));
}
