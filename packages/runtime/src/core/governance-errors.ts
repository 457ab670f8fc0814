/**
 * The errors of governance: an API key refused or short of a permission, a spend limit that
 * refused a call, a tool call outside policy. Stable codes, as every Vigil error
 * (`core/errors.ts`).
 */
import { hasCode, isVigilError, VigilError, type VigilErrorOptions } from './errors.js';

/** Why a request's API key was refused; each is its own stable code (HTTP 401). */
export type AuthenticationFailure =
  'api_key_missing' | 'api_key_malformed' | 'api_key_invalid' | 'api_key_revoked' | 'api_key_expired';

/**
 * A request did not prove who sent it: no key, a key that is not one, or one revoked or
 * expired. The message says what to fix, never which keys exist.
 */
export class AuthenticationError extends VigilError {
  constructor(code: AuthenticationFailure, message: string) {
    super(code, message);
  }
  static is(error: unknown): error is AuthenticationError {
    return isVigilError(error) && error.name === 'AuthenticationError';
  }
}

/** The caller is known, but its role lacks the permission the action needs (HTTP 403). */
export class PermissionDeniedError extends VigilError {
  constructor(message: string, options: VigilErrorOptions = {}) {
    super('permission_denied', message, options);
  }
  static is(error: unknown): error is PermissionDeniedError {
    return hasCode(error, 'permission_denied');
  }
}

/**
 * A call's expected cost would take a scope past its hard limit, so it was not made. Not
 * retryable by a retry policy (waiting does not add money): the workflow's `budget.onExceeded`
 * decides — escalate (an operator raises the limit and resolves with `retry`) or fail.
 */
export class BudgetExceededError extends VigilError {
  readonly scope: string;
  readonly key: string;
  readonly limitUsd: number;
  readonly spentUsd: number;
  readonly requestedUsd: number;
  /** @param spentUsd settled plus reserved in the scope before this call. */
  constructor(refusal: { scope: string; key: string; limitUsd: number; spentUsd: number; requestedUsd: number }) {
    const { scope, key, limitUsd, spentUsd, requestedUsd } = refusal;
    super(
      'budget_exceeded',
      `The ${scope} budget of ${key} is $${usd(limitUsd)}: $${usd(spentUsd)} is spent or reserved, and this call needs $${usd(requestedUsd)}`,
      { retryable: false, details: { scope, key, limitUsd, spentUsd, requestedUsd } },
    );
    this.scope = scope;
    this.key = key;
    this.limitUsd = limitUsd;
    this.spentUsd = spentUsd;
    this.requestedUsd = requestedUsd;
  }
  static is(error: unknown): error is BudgetExceededError {
    return hasCode(error, 'budget_exceeded');
  }
}

/** Dollars for a message: cents when the amount has none finer, else up to 6 decimals. */
function usd(amount: number): string {
  const fixed = amount.toFixed(6).replace(/0+$/, '');
  return fixed.endsWith('.') ? `${fixed}00` : fixed.split('.')[1]!.length < 2 ? `${fixed}0` : fixed;
}

/**
 * A tool call is outside the workflow's tool access policy (a tool it may not use, an argument
 * out of bounds, an approval a human rejected, a rate limit with `whenLimited: 'fail'`). The call
 * never reached the tool. Not retryable: the same call would be denied again; the step follows
 * its failure policy (`fail`, `skip`, `escalate`) at once.
 */
export class PolicyDeniedError extends VigilError {
  constructor(
    /** The rule that denied it, e.g. `tools`, `constraints.ehr.read.patientId`, `approval.pharmacy.order`. */
    readonly rule: string,
    readonly tool: string,
    readonly reason: string,
  ) {
    super('policy_denied', `Tool call ${tool} denied by policy rule ${rule}: ${reason}`, {
      retryable: false,
      details: { rule, tool, reason },
    });
  }
  static is(error: unknown): error is PolicyDeniedError {
    return hasCode(error, 'policy_denied');
  }
}
