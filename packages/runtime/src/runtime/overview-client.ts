import type { Clock } from '../core/clock.js';
import { ValidationError } from '../core/errors.js';
import type { RunStatus } from '../core/run-status.js';
import type { Store } from '../store/store.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Windows up to this are cut into hours; longer ones into days (UTC). */
const HOURLY_UP_TO_MS = 48 * HOUR_MS;
const MAX_WINDOW_MS = 90 * DAY_MS;

/** One bucket of the overview's series. `at` is the bucket's start. */
export interface OverviewBucket {
  at: string;
  started: number;
  completed: number;
  failed: number;
  escalated: number;
}

/** What `GET /v1/overview` answers. Times ISO 8601; rates are null when there is nothing to divide by. */
export interface OverviewView {
  window: string;
  from: string;
  to: string;
  runs: { byStatus: Partial<Record<RunStatus, number>>; series: OverviewBucket[] };
  /** Of the runs that finished in the window (cancelled ones left out), those that completed, fully or partially. */
  successRate: number | null;
  /** Of the runs created in the window, those that raised at least one escalation. */
  escalationRate: number | null;
  /** Creation to finish of the runs that completed in the window. */
  durationSeconds: { p50: number | null; p95: number | null };
  /** Settled spend since 00:00 UTC. */
  spendTodayUsd: number;
  openEscalations: number;
  /** Dead letters not replayed yet. */
  deadLetters: number;
  breakers: { closed: number; halfOpen: number; open: number };
  /**
   * Workers holding a live lease now (a worker with nothing leased is not seen: there is no
   * heartbeat table). `lastSeenAt` is its latest lease renewal, estimated as the expiry minus
   * this deployment's lease TTL.
   */
  workers: Array<{ id: string; runs: number; lastSeenAt: string }>;
}

/** A window such as `24h` or `7d`, and how it is cut. */
export interface OverviewWindow {
  label: string;
  ms: number;
  bucketMs: number;
}

/**
 * Reads a window: a positive whole number of hours (`h`) or days (`d`), up to
 * 90 days. Hourly buckets up to 48 hours, daily above.
 *
 * @throws ValidationError (`invalid_window`) with path `window`.
 */
export function parseOverviewWindow(text: string): OverviewWindow {
  const match = /^([1-9]\d{0,3})(h|d)$/.exec(text);
  const ms = match ? Number(match[1]) * (match[2] === 'h' ? HOUR_MS : DAY_MS) : NaN;
  if (!match || ms > MAX_WINDOW_MS) {
    throw new ValidationError(
      'invalid_window',
      `window must be a whole number of hours or days up to 90d, like 24h or 7d; got ${JSON.stringify(text)}`,
      { path: 'window' },
    );
  }
  return { label: text, ms, bucketMs: ms <= HOURLY_UP_TO_MS ? HOUR_MS : DAY_MS };
}

/** The numbers of the dashboard's overview screen, for the whole deployment. */
export class OverviewClient {
  constructor(private readonly deps: { store: Store; clock: Clock; leaseTtlMs: number }) {}

  /**
   * The window ends with the bucket holding now (so the last bucket is partial) and starts at a
   * bucket boundary: `24h` is the 24 hours ending with the current one.
   */
  async get(windowText = '24h'): Promise<OverviewView> {
    const window = parseOverviewWindow(windowText);
    const { store, clock } = this.deps;
    const now = clock.now();
    const lastBucket = Math.floor(now / window.bucketMs) * window.bucketMs;
    const count = window.ms / window.bucketMs;
    const from = lastBucket - (count - 1) * window.bucketMs;
    const to = lastBucket + window.bucketMs;
    const [stats, spend, breakers] = await Promise.all([
      store.overview.runWindow({ from, to, bucketMs: window.bucketMs, now }),
      store.spend.totals({ by: 'day', since: Math.floor(now / DAY_MS) * DAY_MS }),
      store.breakers.list(),
    ]);
    const buckets = new Map(stats.buckets.map((b) => [b.index, b]));
    const series = Array.from({ length: count }, (_, index) => {
      const b = buckets.get(index);
      return {
        at: new Date(from + index * window.bucketMs).toISOString(),
        started: b?.started ?? 0,
        completed: b?.completed ?? 0,
        failed: b?.failed ?? 0,
        escalated: b?.escalated ?? 0,
      };
    });
    const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000);
    return {
      window: window.label,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      runs: { byStatus: stats.byStatus, series },
      successRate: stats.finished === 0 ? null : stats.succeeded / stats.finished,
      escalationRate: stats.started === 0 ? null : stats.escalatedRuns / stats.started,
      durationSeconds: { p50: seconds(stats.durationMs.p50), p95: seconds(stats.durationMs.p95) },
      spendTodayUsd: spend.reduce((sum, total) => sum + total.usd, 0),
      openEscalations: stats.openEscalations,
      deadLetters: stats.deadLetters,
      breakers: {
        closed: breakers.filter((b) => b.status === 'closed').length,
        halfOpen: breakers.filter((b) => b.status === 'half_open').length,
        open: breakers.filter((b) => b.status === 'open').length,
      },
      workers: stats.workers.map((w) => ({
        id: w.id,
        runs: w.runs,
        lastSeenAt: new Date(w.leaseExpiresAt - this.deps.leaseTtlMs).toISOString(),
      })),
    };
  }
}
