/**
 * The life of a run: `queued` → `running` → (`sleeping` | `waiting` | `retrying`) → `running`
 * → one of the terminal statuses. A run handed back by a stopping worker returns to `queued`.
 */
export const RUN_STATUSES = [
  'queued',
  'running',
  'sleeping',
  'waiting',
  'retrying',
  'completed',
  'completed_partial',
  'failed',
  'cancelled',
  'dead_lettered',
] as const;

export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set([
  'completed',
  'completed_partial',
  'failed',
  'cancelled',
  'dead_lettered',
]);

export function isTerminalStatus(status: RunStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function isRunStatus(value: string): value is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(value);
}
