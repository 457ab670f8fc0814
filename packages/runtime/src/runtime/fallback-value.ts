import type { ErrorRecord } from '../core/errors.js';
import type { PolicyCall } from './policy-host.js';

/**
 * What a step whose attempts are used up continues with: its fallback (a value, or a function
 * of the failure), checked as a result of the call would be; null without one.
 */
export async function fallbackValue(call: PolicyCall, failure: ErrorRecord | null): Promise<unknown> {
  const fallback = call.policy.fallback;
  if (!fallback) return call.checkValue(null);
  const value =
    typeof fallback.value === 'function'
      ? await (fallback.value as (error: ErrorRecord) => unknown)(
          failure ?? { name: 'Error', message: 'no error recorded' },
        )
      : fallback.value;
  return call.checkValue(value === undefined ? null : value);
}
