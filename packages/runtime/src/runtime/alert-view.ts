import type { AlertRecord, AlertState } from '../store/alert-store.js';
import type { AlertRuleKind, ResolvedAlertRule } from './alert-rules.js';

/** An alert as `GET /v1/alerts` and the alert webhooks present it. Times are ISO 8601. */
export interface AlertView {
  /** The rule's id: one alert per rule. */
  id: string;
  /** The rule as configured now; null when no rule of this process has that id any more. */
  rule: { kind: AlertRuleKind; description: string; workflow: string | null; tool: string | null } | null;
  state: AlertState;
  /** When it last started firing. */
  since: string;
  resolvedAt: string | null;
  value: number;
  threshold: number;
  message: string;
  evaluatedAt: string;
}

export function toAlertView(record: AlertRecord, rules: readonly ResolvedAlertRule[]): AlertView {
  const rule = rules.find((r) => r.id === record.ruleId);
  return {
    id: record.ruleId,
    rule: rule ? { kind: rule.kind, description: rule.description, workflow: rule.workflow, tool: rule.tool } : null,
    state: record.state,
    since: new Date(record.since).toISOString(),
    resolvedAt: record.resolvedAt === null ? null : new Date(record.resolvedAt).toISOString(),
    value: record.value,
    threshold: record.threshold,
    message: record.message,
    evaluatedAt: new Date(record.evaluatedAt).toISOString(),
  };
}
