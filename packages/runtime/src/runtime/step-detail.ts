/**
 * The policy state a step carries across executions, stored as JSON in its row's `detail`
 * (and covered by its checksum): how many attempts of the current round failed, and the
 * escalation it waits on or raised.
 */
export interface StepDetail {
  /** Failed attempts since the round began (an escalation's `retry` starts a new round). */
  failed?: number;
  escalationId?: string;
  assignee?: string;
  /** The first failure was an unknown outcome of an at-most-once call (a crash or timeout). */
  unknownOutcome?: boolean;
}

export function parseDetail(text: string | null | undefined): StepDetail {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}

export function writeDetail(detail: StepDetail): string | null {
  const entries = Object.entries(detail).filter(([, value]) => value !== undefined);
  return entries.length === 0 ? null : JSON.stringify(Object.fromEntries(entries));
}
