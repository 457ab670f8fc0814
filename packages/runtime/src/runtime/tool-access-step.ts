/**
 * The tool access policy's gates as one tool step meets them: the policy's decision (once per
 * step), a human's answer to an approval, and a token of the tool's rate limit. Each gate
 * returns the step's new detail and what `PolicyStep` is to do next (go on, refuse the call,
 * stop the run, or wait durably); `PolicyStep` does it, so its attempt loop stays free of
 * policy bookkeeping. `tool-access-gate.ts` holds the decisions themselves.
 */
import { EscalationAbortedError } from '../core/errors.js';
import type { PolicyDeniedError } from '../core/governance-errors.js';
import type { EscalationRecord } from '../store/escalation-store.js';
import type { StepWrite } from '../store/checkpoint-store.js';
import { announceEscalation } from './escalation-flow.js';
import type { StepDetail } from './step-detail.js';
import type { StepHost } from './step-runner.js';
import {
  accessGranted,
  announcePolicy,
  approvalOutcome,
  decideAccess,
  takeToolToken,
  type PolicyEventDecision,
  type ToolAccess,
} from './tool-access-gate.js';

/** What a gate tells the step to do. */
export type GateAction =
  | { kind: 'pass' }
  /** The policy refused the call: it follows its failure policy (or fails, for an agent's call). */
  | { kind: 'refuse'; error: PolicyDeniedError }
  /** A human aborted the approval: the step fails, and with it the run. */
  | { kind: 'abort'; error: EscalationAbortedError }
  /** Wait durably: for a human's approval (`waiting`) or the next rate-limit token (`retrying`). */
  | {
      kind: 'wait';
      status: 'waiting' | 'retrying';
      wakeAt: number | null;
      riding: Pick<StepWrite, 'escalation' | 'notification'>;
      onCommitted?: () => void;
    };

/** A gate's answer: the step's detail from now on, and what to do. */
export interface GateOutcome {
  detail: StepDetail;
  action: GateAction;
}

/** The step a gate decides on. */
export interface GatedCall {
  seq: number;
  name: string;
  /** Who is asked to approve when the rule names no one. */
  assignee: string | null;
  access: ToolAccess;
}

const PASS: GateAction = { kind: 'pass' };

export class ToolAccessStep {
  constructor(
    private readonly host: StepHost,
    private readonly call: GatedCall,
  ) {}

  /**
   * The policy's decision: taken once per step, before the first attempt, and kept in the
   * step's detail (committed with the attempt's "started" row, or with the wait for an
   * approval), so a resumed run never asks twice. A denied call never reaches the tool.
   */
  decide(detail: StepDetail): GateOutcome {
    if (accessGranted(detail.policy)) return { detail, action: PASS };
    const { seq, name, assignee, access } = this.call;
    const verdict = decideAccess(this.host, access, { seq, name, assignee });
    const decided: StepDetail = { ...detail, policy: verdict.detail };
    switch (verdict.kind) {
      case 'go':
        this.announce('allowed', verdict.detail);
        return { detail: decided, action: PASS };
      case 'deny':
        this.announce('denied', verdict.detail);
        return { detail: decided, action: { kind: 'refuse', error: verdict.error } };
      case 'ask': {
        const { escalation, notification } = verdict;
        return {
          detail: { ...decided, escalationId: escalation.id, assignee: escalation.assignee ?? undefined },
          action: {
            kind: 'wait',
            status: 'waiting',
            wakeAt: null,
            riding: { escalation, notification },
            onCommitted: () => {
              announceEscalation(this.host, escalation);
              this.announce('approval_requested', verdict.detail);
            },
          },
        };
      }
    }
  }

  /**
   * A human approved the exact arguments (`pass`: the call goes on to its attempt), rejected
   * them (`refuse`), or aborted (`abort`).
   */
  approval(detail: StepDetail, settled: EscalationRecord): GateOutcome {
    const outcome = approvalOutcome(this.call.access, detail.policy!, settled);
    if (outcome.kind === 'abort') {
      return {
        detail,
        action: { kind: 'abort', error: new EscalationAbortedError(settled.id, settled.resolvedBy, settled.note) },
      };
    }
    this.announce(outcome.kind, outcome.detail);
    const decided: StepDetail = { ...detail, policy: outcome.detail };
    if (outcome.kind === 'rejected') return { detail: decided, action: { kind: 'refuse', error: outcome.error } };
    return { detail: decided, action: PASS };
  }

  /**
   * A token of the tool's rate limit, from the bucket every worker shares. Without one, the
   * step waits durably for the next token (a `retrying` row; the attempt is not used up) or,
   * with `whenLimited: 'fail'`, is refused. `store` guards the store call (a failure stops the
   * execution).
   */
  async takeToken(detail: StepDetail, store: <T>(call: () => Promise<T>) => Promise<T>): Promise<GateOutcome> {
    const access = this.call.access;
    const verdict = await store(() => takeToolToken(this.host, access));
    if (verdict.kind === 'go') {
      const cleared = detail.rateLimitedUntil === undefined ? detail : { ...detail, rateLimitedUntil: undefined };
      return { detail: cleared, action: PASS };
    }
    announcePolicy(this.host, access, this.call, 'rate_limited', verdict.rule, verdict.reason);
    if (verdict.kind === 'deny') return { detail, action: { kind: 'refuse', error: verdict.error } };
    return {
      detail: { ...detail, rateLimitedUntil: verdict.retryAt },
      action: { kind: 'wait', status: 'retrying', wakeAt: verdict.retryAt, riding: {} },
    };
  }

  private announce(decision: PolicyEventDecision, detail: { rule: string | null; reason?: string }): void {
    announcePolicy(this.host, this.call.access, this.call, decision, detail.rule, detail.reason ?? null);
  }
}
