import { systemClock, type Clock } from '../../core/clock.js';
import type { PgConnection } from './connection.js';

/** Round trips per measurement; the quickest one counts. */
const SYNC_SAMPLES = 4;

/**
 * The database server's clock, as seen from this process: local time plus an offset measured
 * against PostgreSQL's `clock_timestamp()` (to within half the quickest of a few round trips) and re-measured every
 * minute. Every worker reads lease expiries and wake-ups against the same server clock, so a
 * skewed machine neither steals leases early nor holds them late.
 */
export class DatabaseClock implements Clock {
  private offsetMs = 0;
  private timer: NodeJS.Timeout | undefined;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }

  /** The last measured offset of the server's clock from this machine's, in milliseconds. */
  get offset(): number {
    return this.offsetMs;
  }

  /**
   * Measures the offset from the quickest of a few round trips: its midpoint is the closest to
   * the moment the server read its clock. The first query of a new pool also opens a connection,
   * a round trip many times longer than the rest, whose midpoint could be tens of milliseconds
   * off; taken alone it made a fresh worker's clock run early by that much.
   */
  async sync(conn: PgConnection): Promise<void> {
    let best: { roundTripMs: number; offsetMs: number } | undefined;
    for (let sample = 0; sample < SYNC_SAMPLES; sample++) {
      const before = Date.now();
      const [row] = await conn.query<{ now: number }>(
        `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now`,
      );
      const after = Date.now();
      if (!best || after - before < best.roundTripMs) {
        best = { roundTripMs: after - before, offsetMs: Math.round(row!.now - (before + after) / 2) };
      }
    }
    this.offsetMs = best!.offsetMs;
  }

  /** Keeps the offset fresh until `stop`. Failures keep the last offset; the next sync tries again. */
  start(conn: PgConnection, everyMs = 60_000, onError: (error: unknown) => void = () => undefined): void {
    this.timer ??= setInterval(() => void this.sync(conn).catch(onError), everyMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
