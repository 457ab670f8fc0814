import type { ErrorRecord } from '../core/errors.js';
import type { StepPolicy } from '../core/step-policy.js';
import type { VerifyResult } from '../core/tool.js';
import type { WorkflowBudget } from '../governance/budget-scopes.js';
import type { AttemptRecord } from '../store/checkpoint-store.js';
import type { AttemptCall, StepHost, STOPPED } from './step-runner.js';
import type { ToolAccess } from './tool-access-gate.js';

// Where a step with a failure policy meets the code around it: the call it is given, what it
// needs from its run's execution (`PolicyHost`), and what it ends with. `PolicyStep`
// (policy-step.ts) drives the policy; the steps and helpers beside it (budget, breaker, outcome
// checks, corrupt rows, escalation and event waits) take these from here rather than from it.

/** A step or tool call with its failure policy. */
export interface PolicyCall extends AttemptCall {
  policy: StepPolicy;
  /** The breaker's key (`tool` or `tool:key`), when the policy has a breaker. */
  breakerKey: string | undefined;
  /** The tool's name, or the step's. */
  target: string;
  /** Tool calls: what the tool access policy decides on. Undefined for plain steps. */
  access: ToolAccess | undefined;
  verify: ((idempotencyKey: string) => Promise<VerifyResult<unknown>>) | undefined;
  /** Checks a value that did not come from the body (a human's, `verify`'s): a tool's output schema. */
  checkValue: (value: unknown) => unknown;
  /** A tool call's expected cost per attempt, USD; undefined for a plain step (nothing to reserve). */
  expectedCost: (() => number) | undefined;
}

/** What the policy host adds to a step host. */
export interface PolicyHost extends StepHost {
  /** The run's context for a human or a dead letter, as JSON. */
  failureContext(seq: number, name: string, error: ErrorRecord | null, current?: AttemptRecord): Promise<string>;
  /** Events taken by this execution's waits, committed or not yet. */
  readonly receivedEventIds: ReadonlySet<string>;
  /** A store call failed: stop the execution (the run is picked up again). */
  storeFailed(error: unknown): void;
  /** The workflow's agent and budget, which the run's calls spend under. */
  readonly workflowBudget: WorkflowBudget;
}

export type PolicyResult = { ok: true; value: unknown } | { ok: false; error: unknown } | typeof STOPPED;
