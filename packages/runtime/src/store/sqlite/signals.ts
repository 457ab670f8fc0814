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
import type { SqliteConnection } from './connection.js';

const RUN_OUTCOMES = `SELECT count(*) AS started,
    coalesce(sum(CASE WHEN ${SUCCEEDED_SQL} THEN 1 ELSE 0 END), 0) AS succeeded,
    coalesce(sum(CASE WHEN ${FAILED_SQL} THEN 1 ELSE 0 END), 0) AS failed,
    coalesce(sum(CASE WHEN EXISTS (SELECT 1 FROM escalations e WHERE e.run_id = runs.id) THEN 1 ELSE 0 END), 0) AS escalated
  FROM runs WHERE id >= ? AND (? IS NULL OR workflow = ?)`;
const TOOL_OUTCOMES = `SELECT count(*) AS calls, coalesce(sum(attempts), 0) AS attempts,
    coalesce(sum(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0) AS succeeded
  FROM steps WHERE run_id >= ? AND kind = 'tool' AND name = ? AND ended_at IS NOT NULL`;
const DEAD_LETTERS = 'SELECT count(*) AS n FROM dead_letters WHERE replayed_at IS NULL AND (? IS NULL OR workflow = ?)';
const STUCK = `SELECT r.id FROM runs r WHERE r.status = 'running' AND r.created_at < ?
    AND NOT EXISTS (SELECT 1 FROM steps s WHERE s.run_id = r.id AND (s.started_at >= ? OR s.ended_at >= ?))
  ORDER BY r.id LIMIT ?`;
const DURATIONS = `SELECT s.name, s.kind, s.ended_at - s.started_at AS duration_ms FROM steps s
  WHERE s.run_id IN (SELECT id FROM runs WHERE workflow = ? AND version = ? ORDER BY id DESC LIMIT ?)
    AND s.status IN ${DURATION_STATUSES_SQL} AND s.ended_at IS NOT NULL
  ORDER BY s.run_id DESC, s.seq`;

/** Measurements for alerts and progress estimates, read from SQLite. */
export class SqliteSignalStore implements SignalStore {
  constructor(private readonly conn: SqliteConnection) {}

  runOutcomes(since: number, workflow?: string): Promise<RunOutcomes> {
    const w = workflow ?? null;
    const row = this.conn.statement(RUN_OUTCOMES).get(runIdFloor(since), w, w) as RunOutcomes;
    return Promise.resolve({ ...row });
  }

  toolOutcomes(since: number, tool: string): Promise<ToolOutcomes> {
    const row = this.conn.statement(TOOL_OUTCOMES).get(runIdFloor(since), tool) as {
      calls: number;
      attempts: number;
      succeeded: number;
    };
    return Promise.resolve({ calls: row.calls, attempts: row.attempts, failures: row.attempts - row.succeeded });
  }

  deadLetterDepth(workflow?: string): Promise<number> {
    const w = workflow ?? null;
    return Promise.resolve((this.conn.statement(DEAD_LETTERS).get(w, w) as { n: number }).n);
  }

  stuckRuns(cutoff: number, limit: number): Promise<string[]> {
    const rows = this.conn.statement(STUCK).all(cutoff, cutoff, cutoff, limit) as Array<{ id: string }>;
    return Promise.resolve(rows.map((r) => r.id));
  }

  stepDurations(workflow: string, version: number, runs: number): Promise<StepDuration[]> {
    const rows = this.conn.statement(DURATIONS).all(workflow, version, runs) as Array<{
      name: string;
      kind: string;
      duration_ms: number;
    }>;
    return Promise.resolve(rows.map((r) => ({ name: r.name, kind: r.kind, durationMs: r.duration_ms })));
  }
}
