import type { NewOutboxMessage } from './outbox-store.js';

export type AlertState = 'firing' | 'resolved';

/** Where one alert rule stands, as every process evaluating it agrees. Times are epoch ms. */
export interface AlertRecord {
  ruleId: string;
  state: AlertState;
  /** When it last started firing. */
  since: number;
  /** When it last resolved; null while firing. */
  resolvedAt: number | null;
  /** The measured value at the last evaluation (a rate 0–1, a count…). */
  value: number;
  threshold: number;
  /** What the last evaluation found, for people. */
  message: string;
  evaluatedAt: number;
}

/** One evaluation of a rule by one process. */
export interface AlertObservation {
  ruleId: string;
  /** Whether the rule's condition holds now. */
  breached: boolean;
  value: number;
  threshold: number;
  message: string;
  now: number;
}

/** What `observe` changed: `fired` or `resolved` when this call made the transition, else null. */
export interface AlertObserved {
  transition: 'fired' | 'resolved' | null;
  /** The rule's row after the call; null for a rule that never fired and still does not. */
  alert: AlertRecord | null;
}

/**
 * The alerts aggregate: one row per rule that ever fired. Every process evaluates every rule;
 * the store decides which of them makes a transition, so an alert fires (and resolves) once.
 */
export interface AlertStore {
  /** Every rule's row, firing ones first, then by rule id. */
  list(): Promise<AlertRecord[]>;
  /**
   * Records an evaluation. A breached rule that is not firing starts firing; a firing rule no
   * longer breached resolves. The transition is one conditional write: of several processes
   * observing the same change at once exactly one gets `transition` back, and `notification`
   * (the announcement of that transition) is written to the outbox in the same transaction.
   * Without a transition only the value, message and evaluation time are refreshed.
   */
  observe(observation: AlertObservation, notification: NewOutboxMessage): Promise<AlertObserved>;
}

export interface AlertRow {
  rule_id: string;
  state: string;
  since: number | string;
  resolved_at: number | string | null;
  value: number | string;
  threshold: number | string;
  message: string;
  evaluated_at: number | string;
}

export const ALERT_COLUMNS = 'rule_id, state, since, resolved_at, value, threshold, message, evaluated_at';

export function toAlertRecord(row: AlertRow): AlertRecord {
  return {
    ruleId: row.rule_id,
    state: row.state === 'firing' ? 'firing' : 'resolved',
    since: Number(row.since),
    resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
    value: Number(row.value),
    threshold: Number(row.threshold),
    message: row.message,
    evaluatedAt: Number(row.evaluated_at),
  };
}

/** Firing first, then by rule id: the order `list` returns. */
export const ALERT_ORDER = "ORDER BY CASE WHEN state = 'firing' THEN 0 ELSE 1 END, rule_id";
