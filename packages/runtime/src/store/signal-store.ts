/** Runs started in a window: how many, and how those that finished ended. */
export interface RunOutcomes {
  started: number;
  /** Finished `completed` or `completed_partial`. */
  succeeded: number;
  /** Finished `failed` or `dead_lettered` (cancelled runs count as neither). */
  failed: number;
  /** Raised at least one escalation. */
  escalated: number;
}

/** The calls of one tool in runs started in a window. */
export interface ToolOutcomes {
  /** Tool steps that ended. */
  calls: number;
  /** Their attempts, all of them. */
  attempts: number;
  /** Attempts that did not succeed: every attempt of a call that did not complete, the earlier ones of one that did. */
  failures: number;
}

/** How long one completed step took, for progress estimates. */
export interface StepDuration {
  name: string;
  kind: string;
  durationMs: number;
}

/**
 * Read-only measurements for alert rules and progress estimates. Windows are "runs started at
 * or after `since`", found through the time-ordered run ids (UUIDv7), so every query is a range
 * scan of a primary key rather than a scan of the hot tables.
 */
export interface SignalStore {
  runOutcomes(since: number, workflow?: string): Promise<RunOutcomes>;
  /** Tool steps are found by step name: a tool call's step is named after its tool unless renamed. */
  toolOutcomes(since: number, tool: string): Promise<ToolOutcomes>;
  /** Dead letters not replayed yet. */
  deadLetterDepth(workflow?: string): Promise<number>;
  /**
   * Runs `running` (leased, executing) that started before `cutoff` and have no step that
   * started or ended since `cutoff`: up to `limit` ids, oldest first.
   */
  stuckRuns(cutoff: number, limit: number): Promise<string[]>;
  /**
   * The steps that finished with a value (`completed`, `degraded`, `escalated`) in the newest
   * `runs` runs of a workflow version, newest run first, then by sequence number.
   */
  stepDurations(workflow: string, version: number, runs: number): Promise<StepDuration[]>;
}

/** The smallest run id (UUIDv7) created at or after `ms`: ids sort by creation time. */
export function runIdFloor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

export const SUCCEEDED_SQL = "status IN ('completed', 'completed_partial')";
export const FAILED_SQL = "status IN ('failed', 'dead_lettered')";
export const DURATION_STATUSES_SQL = "('completed', 'degraded', 'escalated')";
