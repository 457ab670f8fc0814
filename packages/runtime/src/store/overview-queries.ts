import type { RunStatus } from '../core/run-status.js';
import type { EscalationStatus } from './escalation-store.js';
import type {
  EscalationChange,
  OverviewStore,
  RunBucketCounts,
  RunChange,
  RunWindowQuery,
  RunWindowStats,
} from './overview-store.js';

/** Runs a read with `?` placeholders and returns its rows (each dialect numbers or binds them its own way). */
export type SqlReader = (sql: string, params: readonly unknown[]) => Promise<Array<Record<string, unknown>>>;

const SUCCEEDED = `('completed', 'completed_partial')`;

/**
 * The overview and change feed in SQL both dialects read alike: integer division of epoch
 * milliseconds for buckets, `count(*)` (a string from PostgreSQL, hence `Number`), percentiles by
 * nearest rank with `LIMIT 1 OFFSET k` rather than a dialect's percentile function.
 */
export class SqlOverviewStore implements OverviewStore {
  constructor(private readonly read: SqlReader) {}

  async runWindow(q: RunWindowQuery): Promise<RunWindowStats> {
    const window = [q.from, q.to];
    const [statuses, started, ended, escalated, escalatedRuns, open, dead, workers] = await Promise.all([
      this.read(
        'SELECT status, count(*) AS n FROM runs WHERE created_at >= ? AND created_at < ? GROUP BY status',
        window,
      ),
      this.read(
        'SELECT CAST((created_at - ?) / ? AS INTEGER) AS b, count(*) AS n FROM runs WHERE created_at >= ? AND created_at < ? GROUP BY b',
        [q.from, q.bucketMs, ...window],
      ),
      this.read(
        'SELECT CAST((finished_at - ?) / ? AS INTEGER) AS b, status, count(*) AS n FROM runs WHERE finished_at >= ? AND finished_at < ? ' +
          'GROUP BY b, status',
        [q.from, q.bucketMs, ...window],
      ),
      this.read(
        'SELECT CAST((created_at - ?) / ? AS INTEGER) AS b, count(*) AS n FROM escalations WHERE created_at >= ? AND created_at < ? GROUP BY b',
        [q.from, q.bucketMs, ...window],
      ),
      this.read(
        'SELECT count(*) AS n FROM runs r WHERE r.created_at >= ? AND r.created_at < ? ' +
          'AND EXISTS (SELECT 1 FROM escalations e WHERE e.run_id = r.id)',
        window,
      ),
      this.read(`SELECT count(*) AS n FROM escalations WHERE status = 'open'`, []),
      this.read('SELECT count(*) AS n FROM dead_letters WHERE replayed_at IS NULL', []),
      this.read(
        'SELECT lease_owner AS id, count(*) AS n, max(lease_expires_at) AS expires FROM runs ' +
          'WHERE lease_owner IS NOT NULL AND lease_expires_at > ? GROUP BY lease_owner ORDER BY lease_owner',
        [q.now],
      ),
    ]);
    const buckets = new Map<number, RunBucketCounts>();
    const bucket = (b: unknown): RunBucketCounts => {
      const index = Number(b);
      let counts = buckets.get(index);
      if (!counts) buckets.set(index, (counts = { index, started: 0, completed: 0, failed: 0, escalated: 0 }));
      return counts;
    };
    for (const row of started) bucket(row['b']).started += Number(row['n']);
    for (const row of escalated) bucket(row['b']).escalated += Number(row['n']);
    let finished = 0;
    let succeeded = 0;
    for (const row of ended) {
      const status = row['status'] as RunStatus;
      const n = Number(row['n']);
      if (status === 'completed' || status === 'completed_partial') {
        bucket(row['b']).completed += n;
        succeeded += n;
        finished += n;
      } else if (status === 'failed' || status === 'dead_lettered') {
        bucket(row['b']).failed += n;
        finished += n;
      }
    }
    const byStatus: Partial<Record<RunStatus, number>> = {};
    for (const row of statuses) byStatus[row['status'] as RunStatus] = Number(row['n']);
    return {
      byStatus,
      buckets: [...buckets.values()].sort((a, b) => a.index - b.index),
      finished,
      succeeded,
      started: Object.values(byStatus).reduce((sum, n) => sum + n, 0),
      escalatedRuns: Number(escalatedRuns[0]?.['n'] ?? 0),
      durationMs: await this.durations(q, succeeded),
      openEscalations: Number(open[0]?.['n'] ?? 0),
      deadLetters: Number(dead[0]?.['n'] ?? 0),
      workers: workers.map((row) => ({
        id: String(row['id']),
        runs: Number(row['n']),
        leaseExpiresAt: Number(row['expires']),
      })),
    };
  }

  /** p50 and p95 by nearest rank over the `n` runs that succeeded in the window. */
  private async durations(q: RunWindowQuery, n: number): Promise<RunWindowStats['durationMs']> {
    if (n === 0) return { p50: null, p95: null };
    const at = async (p: number): Promise<number> => {
      const [row] = await this.read(
        `SELECT finished_at - created_at AS d FROM runs WHERE finished_at >= ? AND finished_at < ? AND status IN ${SUCCEEDED} ` +
          'ORDER BY d LIMIT 1 OFFSET ?',
        [q.from, q.to, Math.max(0, Math.ceil(p * n) - 1)],
      );
      return Number(row?.['d'] ?? 0);
    };
    const [p50, p95] = await Promise.all([at(0.5), at(0.95)]);
    return { p50, p95 };
  }

  async changesSince(since: number, limit: number): Promise<{ runs: RunChange[]; escalations: EscalationChange[] }> {
    const [runs, escalations] = await Promise.all([
      this.read(
        'SELECT id, workflow, status, updated_at FROM runs WHERE updated_at >= ? ORDER BY updated_at, id LIMIT ?',
        [since, limit],
      ),
      this.read(
        'SELECT id, run_id, status, CASE WHEN resolved_at IS NULL THEN created_at ELSE resolved_at END AS changed_at ' +
          'FROM escalations WHERE created_at >= ? OR resolved_at >= ? ORDER BY changed_at, id LIMIT ?',
        [since, since, limit],
      ),
    ]);
    return {
      runs: runs.map((row) => ({
        id: String(row['id']),
        workflow: String(row['workflow']),
        status: row['status'] as RunStatus,
        updatedAt: Number(row['updated_at']),
      })),
      escalations: escalations.map((row) => ({
        id: String(row['id']),
        runId: String(row['run_id']),
        status: row['status'] as EscalationStatus,
        changedAt: Number(row['changed_at']),
      })),
    };
  }
}
