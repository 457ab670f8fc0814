/** The tables `vigil copy` moves between stores, in the order it moves them. */
export const COPIED_TABLES = [
  'runs',
  'steps',
  'step_attempts',
  'dead_letters',
  'escalations',
  'breakers',
  'outbox',
  'events',
  'event_deliveries',
  'event_waits',
  'schedules',
  'flow_timers',
  'api_keys',
  'spend_ledger',
  'spend_counters',
  'budget_limits',
  'rate_limits',
  'memory',
  // With their ids, so a copy run again skips the lines it already moved.
  'step_logs',
  // Verbatim, so the chain (seq, hashes, data text) verifies the same at the destination.
  'audit_entries',
] as const;
export type CopiedTable = (typeof COPIED_TABLES)[number];
