import {
  DURATION_STATUSES_SQL,
  FAILED_SQL,
  SUCCEEDED_SQL,
  runIdFloor,
  type RunOutcomes,
  type SignalStore,
  type StepDuration,
  type ToolOutcomes,
} from '../signal-store.js';
import type { PgConnection } from './connection.js';

const RUN_OUTCOMES = `SELECT count(*)::int AS started,
    count(*) FILTER (WHERE ${SUCCEEDED_SQL})::int AS succeeded,
    count(*) FILTER (WHERE ${FAILED_SQL})::int AS failed,
    count(*) FILTER (WHERE EXISTS (SELECT 1 FROM escalations e WHERE e.run_id = runs.id))::int AS escalated
  FROM runs WHERE id >= $1 AND ($2::text IS NULL OR workflow = $2)`;
const TOOL_OUTCOMES = `SELECT count(*)::int AS calls, coalesce(sum(attempts), 0)::int AS attempts,
    count(*) FILTER (WHERE status = 'completed')::int AS succeeded
  FROM steps WHERE run_id >= $1 AND kind = 'tool' AND name = $2 AND ended_at IS NOT NULL`;
const DEAD_LETTERS = `SELECT count(*)::int AS n FROM dead_letters
  WHERE replayed_at IS NULL AND ($1::text IS NULL OR workflow = $1)`;
const STUCK = `SELECT r.id FROM runs r WHERE r.status = 'running' AND r.created_at < $1
    AND NOT EXISTS (SELECT 1 FROM steps s WHERE s.run_id = r.id AND (s.started_at >= $1 OR s.ended_at >= $1))
  ORDER BY r.id LIMIT $2`;
const DURATIONS = `SELECT s.name, s.kind, (s.ended_at - s.started_at)::float8 AS duration_ms FROM steps s
  WHERE s.run_id IN (SELECT id FROM runs WHERE workflow = $1 AND version = $2 ORDER BY id DESC LIMIT $3)
    AND s.status IN ${DURATION_STATUSES_SQL} AND s.ended_at IS NOT NULL
  ORDER BY s.run_id DESC, s.seq`;

/** Measurements for alerts and progress estimates, read from PostgreSQL. */
export class PgSignalStore implements SignalStore {
  constructor(private readonly conn: PgConnection) {}

  async runOutcomes(since: number, workflow?: string): Promise<RunOutcomes> {
    const [row] = await this.conn.query<RunOutcomes>(RUN_OUTCOMES, [runIdFloor(since), workflow ?? null]);
    return row ?? { started: 0, succeeded: 0, failed: 0, escalated: 0 };
  }

  async toolOutcomes(since: number, tool: string): Promise<ToolOutcomes> {
    const [row] = await this.conn.query<{ calls: number; attempts: number; succeeded: number }>(TOOL_OUTCOMES, [
      runIdFloor(since),
      tool,
    ]);
    if (!row) return { calls: 0, attempts: 0, failures: 0 };
    return { calls: row.calls, attempts: row.attempts, failures: row.attempts - row.succeeded };
  }

  async deadLetterDepth(workflow?: string): Promise<number> {
    const [row] = await this.conn.query<{ n: number }>(DEAD_LETTERS, [workflow ?? null]);
    return row?.n ?? 0;
  }

  async stuckRuns(cutoff: number, limit: number): Promise<string[]> {
    const rows = await this.conn.query<{ id: string }>(STUCK, [cutoff, limit]);
    return rows.map((r) => r.id);
  }

  async stepDurations(workflow: string, version: number, runs: number): Promise<StepDuration[]> {
    const rows = await this.conn.query<{ name: string; kind: string; duration_ms: number }>(DURATIONS, [
      workflow,
      version,
      runs,
    ]);
    return rows.map((r) => ({ name: r.name, kind: r.kind, durationMs: Number(r.duration_ms) }));
  }
}
