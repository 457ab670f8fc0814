import type pg from 'pg';

import type { Logger } from '../../core/logger.js';
import { pgDriver } from './pg-driver.js';

/**
 * LISTENs on the schema's channel on a connection of its own and calls `onNotify` for every
 * notification, so idle workers wake as soon as a run is ready instead of at their next poll.
 * A lost connection is re-established with backoff; since notifications sent meanwhile are lost,
 * a reconnect also counts as one.
 */
export class PgNotifier {
  private client: pg.Client | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    readonly channel: string,
    private readonly logger: Logger,
    private readonly onNotify: () => void,
    /** How long one attempt to connect may take before it is retried. */
    private readonly connectTimeoutMs: number,
  ) {}

  async start(): Promise<void> {
    await this.connect(0);
  }

  private async connect(failures: number): Promise<void> {
    if (this.closed) return;
    const client = new (pgDriver().Client)({
      connectionString: this.url,
      application_name: 'vigil-listen',
      connectionTimeoutMillis: this.connectTimeoutMs,
    });
    client.on('notification', () => this.onNotify());
    client.on('error', (error) => {
      this.logger.warn('the LISTEN connection failed; reconnecting', { error: error.message });
      this.retry(client, 0);
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      this.client = client;
      if (failures > 0) this.onNotify();
    } catch (error) {
      this.logger.warn('could not LISTEN; retrying', { error: String(error), failures: failures + 1 });
      this.retry(client, failures + 1);
    }
  }

  private retry(client: pg.Client, failures: number): void {
    if (this.client === client) this.client = undefined;
    client.end().catch(() => undefined);
    if (this.closed || this.retryTimer) return;
    const delay = Math.min(5000, 100 * 2 ** failures);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect(Math.max(1, failures));
    }, delay);
    this.retryTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
  }
}
