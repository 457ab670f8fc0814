import { ApiError, type ApiClient } from './client';
import type { BreakerView, RunSummary } from './views';

/** The Overview screen's numbers, whichever way they were obtained. */
export interface Overview {
  /** `server`: from `GET /v1/overview`; `derived`: computed here from the list routes. */
  source: 'server' | 'derived';
  windowHours: number;
  /** Runs created per hour of the window, by status. */
  series: Array<{ at: string; counts: Record<string, number> }>;
  total: number;
  successRate: number | null;
  escalationRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  spendTodayUsd: number | null;
  openEscalations: number | null;
  deadLetters: number | null;
  breakers: { open: number; halfOpen: number; closed: number } | null;
  /** Workers seen by the server; null when it does not say. */
  workers: Array<{ id: string; [field: string]: unknown }> | null;
  /** Numbers from a partial sample (the newest 500 runs), when derived. */
  sampled: boolean;
}

const HOUR = 3_600_000;

/** The server's series: of the runs created in a bucket, how many completed, failed or escalated. */
const SERIES_KEYS = ['completed', 'failed', 'escalated'] as const;

/**
 * Reads `GET /v1/overview?window=24h`; on a server without it (404), derives the same numbers
 * from the routes every server has: the newest 500 runs, open escalations, dead letters,
 * breakers and today's spend. Workers cannot be derived and stay null.
 */
export async function loadOverview(api: ApiClient, signal: AbortSignal): Promise<Overview> {
  try {
    return fromServer(await api.get<Record<string, unknown>>('/v1/overview', { window: '24h' }, signal));
  } catch (error) {
    if (!(error instanceof ApiError && error.unavailable)) throw error;
  }
  return derive(api, signal);
}

async function derive(api: ApiClient, signal: AbortSignal): Promise<Overview> {
  const now = Date.now();
  const since = now - 24 * HOUR;
  const today = new Date(now);
  today.setUTCHours(0, 0, 0, 0);
  const [runs, escalations, letters, breakers, spend] = await Promise.all([
    api.get<{ runs: RunSummary[]; nextCursor: string | null }>('/v1/runs', { limit: 500 }, signal),
    api.get<{ escalations: unknown[] }>('/v1/escalations', { status: 'open', limit: 500 }, signal),
    api.get<{ deadLetters: unknown[] }>('/v1/dead-letters', { limit: 500 }, signal),
    api.get<{ breakers: BreakerView[] }>('/v1/breakers', {}, signal),
    api.get<{ total: { usd: number } }>('/v1/spend', { since: today.toISOString() }, signal),
  ]);
  const recent = runs.runs.filter((r) => Date.parse(r.createdAt) >= since);
  const series: Overview['series'] = Array.from({ length: 24 }, (_, i) => ({
    at: new Date(since + i * HOUR).toISOString(),
    counts: {},
  }));
  for (const run of recent) {
    const bucket = series[Math.min(23, Math.floor((Date.parse(run.createdAt) - since) / HOUR))]!;
    bucket.counts[run.status] = (bucket.counts[run.status] ?? 0) + 1;
  }
  const finished = recent.filter((r) => r.finishedAt !== null);
  const succeeded = finished.filter((r) => r.status === 'completed' || r.status === 'completed_partial');
  const durations = finished.map((r) => Date.parse(r.finishedAt!) - Date.parse(r.createdAt)).sort((a, b) => a - b);
  return {
    source: 'derived',
    windowHours: 24,
    series,
    total: recent.length,
    successRate: finished.length ? succeeded.length / finished.length : null,
    escalationRate: null,
    p50Ms: quantile(durations, 0.5),
    p95Ms: quantile(durations, 0.95),
    spendTodayUsd: spend.total.usd,
    openEscalations: escalations.escalations.length,
    deadLetters: letters.deadLetters.length,
    breakers: {
      open: breakers.breakers.filter((b) => b.status === 'open').length,
      halfOpen: breakers.breakers.filter((b) => b.status === 'half_open').length,
      closed: breakers.breakers.filter((b) => b.status === 'closed').length,
    },
    workers: null,
    sampled: runs.nextCursor !== null,
  };
}

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** The server's answer, read field by field: a field it does not send shows as "—". */
function fromServer(body: Record<string, unknown>): Overview {
  const num = (...values: unknown[]): number | null => {
    const found = values.find((v) => typeof v === 'number');
    return typeof found === 'number' ? found : null;
  };
  const obj = (value: unknown): Record<string, unknown> =>
    value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const runs = obj(body['runs']);
  // GET /v1/overview: `durationSeconds: { p50, p95 }`, `runs: { byStatus, series: [{ at, started,
  // completed, failed, escalated }] }` (runs created in each bucket, and how many of them ended so).
  const durations = obj(body['durationSeconds']);
  const breakers = obj(body['breakers']);
  const rawSeries = (runs['series'] ?? []) as Array<Record<string, unknown>>;
  const byStatus = obj(runs['byStatus']);
  const seconds = (value: unknown): number | null => (typeof value === 'number' ? value * 1000 : null);
  return {
    source: 'server',
    windowHours: 24,
    series: rawSeries.map((b) => ({
      at: typeof b['at'] === 'string' ? b['at'] : '',
      counts: Object.fromEntries(SERIES_KEYS.map((key) => [key, typeof b[key] === 'number' ? b[key] : 0])),
    })),
    total: Object.values(byStatus).reduce<number>((sum, n) => sum + (typeof n === 'number' ? n : 0), 0),
    successRate: num(body['successRate']),
    escalationRate: num(body['escalationRate']),
    p50Ms: seconds(durations['p50']),
    p95Ms: seconds(durations['p95']),
    spendTodayUsd: num(body['spendTodayUsd']),
    openEscalations: num(body['openEscalations']),
    deadLetters: num(body['deadLetters']),
    breakers: Object.keys(breakers).length
      ? {
          open: num(breakers['open']) ?? 0,
          halfOpen: num(breakers['halfOpen'], breakers['half_open']) ?? 0,
          closed: num(breakers['closed']) ?? 0,
        }
      : null,
    workers: Array.isArray(body['workers']) ? (body['workers'] as Overview['workers']) : null,
    sampled: false,
  };
}
