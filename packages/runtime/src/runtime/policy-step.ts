import {
  CircuitOpenError,
  EscalationAbortedError,
  StepFailedError,
  toErrorRecord,
  type ErrorRecord,
} from '../core/errors.js';
import { type BudgetExceededError, type PolicyDeniedError } from '../core/governance-errors.js';
import { encodeJson } from '../core/json.js';
import { decideRetry } from '../core/resilience/backoff.js';
import type { StepStatus } from '../core/step-identity.js';
import type { AttemptRecord, StepRecord, StepWrite } from '../store/checkpoint-store.js';
import { StepBudget } from './budget-step.js';
import { admitToBreaker, recordBreakerOutcome } from './breaker-outcome.js';
import { interruptedAttempt, refusedAttempt, verifyOutcome } from './outcome-check.js';
import { announceEscalation, policyEscalation } from './escalation-flow.js';
import { resumeAfterEscalation } from './escalation-resumption.js';
import { fallbackValue } from './fallback-value.js';
import { stripIntact } from './recorded-steps.js';
import type { PolicyCall, PolicyHost, PolicyResult } from './policy-host.js';
import { parseDetail, writeDetail, type StepDetail } from './step-detail.js';
import { announceOutcome, announceRetry, runAttempt, STOPPED, stepRow } from './step-runner.js';
import { ToolAccessStep, type GateOutcome } from './tool-access-step.js';

/** Raised inside this module when a store call failed and the execution was stopped. */
class Stopped extends Error {}

/**
 * Drives one step through its failure policy, from wherever its recorded row left it: the
 * first attempt, an attempt interrupted by a crash, a retry whose backoff has passed, or an
 * escalation a human has resolved. Each wait (backoff, open breaker, blocking escalation) is a
 * row committed with the run's suspension, so nothing of it lives only in memory.
 */
export class PolicyStep {
  private detail: StepDetail;
  private attempts: number;
  /** A record of the previous attempt, to commit with the next write of this step. */
  private carry: AttemptRecord | undefined;
  /** When the first attempt started: the step's start on the timeline. */
  private firstStartedAt: number | undefined;
  /** Reserves and settles the cost of a tool call's attempts. */
  private readonly budget: StepBudget | undefined;
  /** A tool call's access policy gates; undefined for plain steps. */
  private readonly access: ToolAccessStep | undefined;

  constructor(
    private readonly host: PolicyHost,
    private readonly call: PolicyCall,
    private readonly recorded: StepRecord | undefined,
  ) {
    this.detail = parseDetail(recorded?.detail);
    this.attempts = recorded?.attempts ?? 0;
    this.firstStartedAt = recorded?.startedAt;
    this.budget = call.expectedCost ? new StepBudget(host, call) : undefined;
    this.access = call.access
      ? new ToolAccessStep(host, {
          seq: call.seq,
          name: call.name,
          assignee: call.policy.escalateTo,
          access: call.access,
        })
      : undefined;
  }

  /** A tool call's tool, which the step events name. */
  private get toolName(): string | undefined {
    return this.call.kind === 'tool' ? this.call.target : undefined;
  }

  async run(): Promise<PolicyResult> {
    try {
      return await this.resume();
    } catch (error) {
      if (error instanceof Stopped) return STOPPED;
      // Not the body's failure but the policy's own (a fallback that threw, a bad provided value).
      return this.fail(error);
    }
  }

  /** Not async: a first attempt (most steps) makes no promise of its own here. */
  private resume(): Promise<PolicyResult> | PolicyResult {
    const r = this.recorded;
    const now = this.now();
    if (!r) return this.attempt();
    switch (r.status) {
      case 'running':
        return this.afterInterruption(r);
      case 'retrying':
        if (r.wakeAt !== null && r.wakeAt > now) return this.host.wait(stripIntact(r), r.wakeAt, 'retrying');
        return this.attempt();
      case 'waiting':
        return this.afterEscalation(r);
      default:
        throw new Error(`Step "${r.name}" of run ${this.host.runId} cannot resume from status ${r.status}`);
    }
  }

  /**
   * One attempt, after its gates let it through, in order: the tool access policy (decided once
   * per step), the tool's rate limit, the spend budget (the attempt's expected cost reserved),
   * the circuit breaker.
   */
  private async attempt(): Promise<PolicyResult> {
    // A plain step has no gates and no budget: no promises made for them.
    const gated = this.access ? await this.passAccessGates() : null;
    if (gated) return gated;
    const { policy } = this.call;
    const attempt = this.attempts + 1;
    const overBudget = this.budget ? await this.reserveBudget(attempt) : null;
    if (overBudget) return this.overBudget(overBudget);
    let probe = false;
    if (policy.breaker) {
      const admission = await this.store(() => admitToBreaker(this.host, this.call));
      if (!admission.admitted) {
        await this.settleBudget(attempt, { ran: false });
        const error = new CircuitOpenError(this.call.breakerKey!, admission.retryAt);
        if (policy.breaker.whenOpen === 'wait')
          return this.waitRow('retrying', admission.retryAt, toErrorRecord(error));
        return this.exhausted(error, refusedAttempt(this.attempts + 1, this.now(), error));
      }
      probe = admission.probe;
    }
    const result = await runAttempt(this.host, this.call, attempt, {
      detail: writeDetail(this.detail),
      failedAttempt: this.carry,
      ...(this.firstStartedAt === undefined ? {} : { firstStartedAt: this.firstStartedAt }),
    });
    // Stopped: a crash-retry of this attempt finds its reservation, or settles it if it ran.
    if (result === STOPPED) return STOPPED;
    const { ok, reportedUsd } = result;
    if (this.budget) await this.settleBudget(attempt, { ran: true, ok, reportedUsd, llm: ok ? result.llm : undefined });
    this.attempts = attempt;
    this.carry = undefined;
    this.firstStartedAt ??= result.ok ? result.startedAt : result.record.startedAt;
    if (policy.breaker) {
      const outcome = result.ok ? { ok: true as const } : { ok: false as const, error: result.record.error!.message };
      await this.store(() => recordBreakerOutcome(this.host, this.call, outcome, probe));
    }
    if (!result.ok) return this.failed(result.error, result.record);
    // Object.assign, not `{ ...detail, key }`: see the hot-path rule in eslint.config.js.
    if (result.llm) this.detail = Object.assign({}, this.detail, { llm: result.llm });
    return this.succeed('completed', result.output);
  }

  /**
   * Reserves the attempt's expected cost against every budget (after the tool policy and its
   * rate limit, before the breaker). Returns the refusal, if a hard limit refused it.
   */
  private async reserveBudget(attempt: number): Promise<BudgetExceededError | null> {
    const budget = this.budget;
    if (!budget) return null;
    // Outside the store guard: a cost function that fails is the call's failure, not the store's.
    const usd = budget.expectedCost();
    return this.store(() => budget.reserve(attempt, usd));
  }

  private async settleBudget(attempt: number, outcome: Parameters<StepBudget['settle']>[1]): Promise<void> {
    const budget = this.budget;
    if (budget) await this.store(() => budget.settle(attempt, outcome));
  }

  /**
   * A hard limit refused the call, so it did not happen. By the workflow's `onExceeded`: fail
   * the step, or (the default) hold the run on a blocking escalation until an operator raises
   * the limit and resolves it with `retry`, which reserves again.
   */
  private async overBudget(error: BudgetExceededError): Promise<PolicyResult> {
    if (this.host.workflowBudget.budget?.onExceeded === 'fail') return this.fail(error);
    const reason =
      `${error.message}. Raise it (vigil budgets set --scope ${error.scope} --key ${error.key} --usd <amount>) ` +
      'and resolve this escalation with retry';
    return this.escalate('budget', reason, toErrorRecord(error));
  }

  private async failed(error: unknown, record: AttemptRecord): Promise<PolicyResult> {
    const { policy } = this.call;
    if (policy.effects === 'at-most-once' && record.outcome === 'timed_out') {
      const known = await this.verify(record, 'it timed out');
      if (known) return known;
    }
    const failed = (this.detail.failed ?? 0) + 1;
    this.detail = Object.assign({}, this.detail, { failed });
    const decision = decideRetry(policy.retry, failed, error, this.now(), Math.random);
    if (!decision.retry) return this.exhausted(error, record);
    const wakeAt = this.now() + decision.delayMs;
    this.carry = Object.assign({}, record, { delayMs: decision.delayMs });
    announceRetry(this.host, this.call, record, decision.delayMs, this.toolName);
    return this.waitRow('retrying', wakeAt, record.error);
  }

  /** The policy is used up: fail, continue with the fallback, or ask a human. */
  private async exhausted(error: unknown, record: AttemptRecord): Promise<PolicyResult> {
    this.carry = record;
    const failure = toErrorRecord(error);
    switch (this.call.policy.onExhausted) {
      case 'fail':
        return this.fail(error);
      case 'skip':
        return this.degrade(failure);
      case 'escalate': {
        const tries = this.attempts === 1 ? '1 attempt' : `${this.attempts} attempts`;
        const what = this.attempts === 0 ? 'was not attempted' : `failed after ${tries}`;
        return this.escalate('exhausted', `"${this.call.name}" ${what}: ${failure.message}`, failure);
      }
    }
  }

  private async escalate(
    kind: 'exhausted' | 'outcome_unknown' | 'budget',
    reason: string,
    failure: ErrorRecord | null,
  ): Promise<PolicyResult> {
    const { seq, name } = this.call;
    const current = this.carry;
    const context = await this.store(() => this.host.failureContext(seq, name, failure, current));
    const { escalation, notification } = policyEscalation(this.host, this.call, kind, reason, context);
    this.detail = Object.assign({}, this.detail, {
      escalationId: escalation.id,
      assignee: escalation.assignee ?? undefined,
    });
    const opened = (): void => announceEscalation(this.host, escalation);
    if (escalation.blocking) {
      return this.waitRow('waiting', escalation.timeoutAt, failure, { escalation, notification }, opened);
    }
    const value = await fallbackValue(this.call, failure);
    return this.succeed('escalated', encodeJson(value, `Fallback of "${name}"`), { escalation, notification }, opened);
  }

  /** The step waits on an escalation: on, or as the human (or the timeout) decided. */
  private async afterEscalation(r: StepRecord): Promise<PolicyResult> {
    const next = await resumeAfterEscalation(this.host, r, this.detail, this.access, (call) => this.store(call));
    switch (next.kind) {
      case 'wait':
        return this.host.wait(stripIntact(r), next.until, 'waiting');
      case 'approval':
        return (await this.followGate(next.outcome)) ?? this.attempt();
      case 'retry':
        this.detail = next.detail;
        return this.attempt();
      case 'skip':
        return this.degrade(r.error);
      case 'provide': {
        const value = this.call.checkValue(next.value);
        return this.succeed('completed', encodeJson(value, `The value provided for "${r.name}"`));
      }
      case 'abort':
        return this.fail(next.error);
    }
  }

  /**
   * The tool access policy's gates, in order: its decision (once per step), then a token of the
   * tool's rate limit. Null when the attempt may go on.
   */
  private async passAccessGates(): Promise<PolicyResult | null> {
    const access = this.access;
    if (!access) return null;
    const decided = await this.followGate(access.decide(this.detail));
    if (decided) return decided;
    return this.followGate(await access.takeToken(this.detail, (call) => this.store(call)));
  }

  /** Keeps a gate's detail and does what it says; null when the attempt may go on. */
  private async followGate({ detail, action }: GateOutcome): Promise<PolicyResult | null> {
    this.detail = detail;
    switch (action.kind) {
      case 'pass':
        return null;
      case 'refuse':
        return this.refused(action.error);
      case 'abort':
        return this.fail(action.error);
      case 'wait':
        return this.waitRow(action.status, action.wakeAt, null, action.riding, action.onCommitted);
    }
  }

  /**
   * The policy refused the call (denied, rejected by a human, no rate-limit token): it follows
   * its failure policy, or for a call an agent's model chose, fails at once, so the model hears
   * of the refusal and can choose again.
   */
  private refused(error: PolicyDeniedError): Promise<PolicyResult> {
    const record = refusedAttempt(this.attempts + 1, this.now(), error);
    if (!this.call.access?.refusalToCaller) return this.exhausted(error, record);
    this.carry = record;
    return Promise.resolve(this.fail(error));
  }

  /** The worker running this step died mid-attempt. */
  private async afterInterruption(r: StepRecord): Promise<PolicyResult> {
    const budget = this.budget;
    if (budget) await this.store(() => budget.settleInterrupted(r.attempts));
    const record = interruptedAttempt(r, this.now());
    if (this.call.policy.effects === 'at-most-once') {
      const known = await this.verify(record, 'its worker stopped while it ran');
      if (known) return known;
    }
    this.carry = record;
    return this.attempt();
  }

  /**
   * An at-most-once call's outcome is unknown. `verify` decides; without it (or if it fails) a
   * human does. Returns null when the effect did not happen, so the caller may try again.
   */
  private async verify(record: AttemptRecord, why: string): Promise<PolicyResult | null> {
    this.carry = record;
    const outcome = await verifyOutcome(this.host, this.call, record, why);
    switch (outcome.kind) {
      case 'stopped':
        return STOPPED;
      case 'not_happened':
        return null;
      case 'unknown':
        return this.escalate('outcome_unknown', outcome.reason, record.error);
      case 'happened': {
        const value = this.call.checkValue(outcome.output);
        return this.succeed('completed', encodeJson(value, `The result verify found for "${this.call.name}"`));
      }
    }
  }

  private async degrade(failure: ErrorRecord | null): Promise<PolicyResult> {
    const value = await fallbackValue(this.call, failure);
    return this.succeed('degraded', encodeJson(value, `Fallback of "${this.call.name}"`));
  }

  private succeed(
    status: Extract<StepStatus, 'completed' | 'degraded' | 'escalated'>,
    output: string,
    riding: Pick<StepWrite, 'escalation' | 'notification'> = {},
    onCommitted?: () => void,
  ): PolicyResult {
    const row = this.row(status, { output, endedAt: this.now(), ...riding });
    const announce = announceOutcome(this.host, row, this.toolName);
    this.host.commitLater(row, () => {
      onCommitted?.();
      return announce();
    });
    return { ok: true, value: JSON.parse(output) as unknown };
  }

  private fail(error: unknown): PolicyResult {
    const failure = toErrorRecord(error);
    const row = this.row('failed', { error: failure, endedAt: this.now() });
    this.host.commitLater(row, announceOutcome(this.host, row, this.toolName));
    const thrown = EscalationAbortedError.is(error)
      ? error
      : new StepFailedError(this.call.name, failure, this.call.seq, this.attempts);
    return { ok: false, error: thrown };
  }

  private waitRow(
    status: 'retrying' | 'waiting',
    wakeAt: number | null,
    error: ErrorRecord | null,
    riding: Pick<StepWrite, 'escalation' | 'notification'> = {},
    onCommitted?: () => void,
  ): typeof STOPPED {
    return this.host.wait(this.row(status, { error, wakeAt, ...riding }), wakeAt, status, onCommitted);
  }

  private row(status: StepStatus, fields: Partial<StepWrite>): StepWrite {
    const row = stepRow(this.call, status, {
      attempts: this.attempts,
      startedAt: this.firstStartedAt ?? this.now(),
      detail: writeDetail(this.detail),
      ...fields,
    });
    if (this.carry) row.failedAttempt = this.carry;
    this.carry = undefined;
    return row;
  }

  private async store<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      this.host.storeFailed(error);
      throw new Stopped();
    }
  }

  private now(): number {
    return this.host.deps.clock.now();
  }
}
