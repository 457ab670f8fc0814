import { systemClock, type Clock } from '../../core/clock.js';
import type { PgConnection } from './connection.js';

/**
 * The database server's clock, as seen from this process: local time plus an offset measured
 * against PostgreSQL's `clock_timestamp()` (to within half a round trip) and re-measured every
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

  async sync(conn: PgConnection): Promise<void> {
    const before = Date.now();
    const [row] = await conn.query<{ now: number }>(
      `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now`,
    );
    const after = Date.now();
    this.offsetMs = Math.round(row!.now - (before + after) / 2);
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
