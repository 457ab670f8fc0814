import type { Clock } from '../../core/clock.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { CopiedTable } from '../copied-tables.js';
import type { Store } from '../store.js';
import { PgApiKeyStore } from './api-keys.js';
import { PgAuditStore } from './audit.js';
import { PgBreakerStore } from './breakers.js';
import { PgGaugeStore } from './gauges.js';
import { PgCheckpointStore } from './checkpoints.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, describeUrl, PgConnection, validSchema } from './connection.js';
import { DatabaseClock } from './database-clock.js';
import { PgDeadLetterStore } from './dead-letters.js';
import { PgGroupCommit } from './group-commit.js';
import { PgEscalationStore } from './escalations.js';
import { PgEventStore } from './events.js';
import { applyMigrations } from './migrator.js';
import { PgNotifier } from './notifier.js';
import { PgOutboxStore } from './outbox.js';
import { PgQueueStore } from './queue.js';
import { PgMemoryStore } from './memory.js';
import { PgStepLogStore } from './step-logs.js';
import { PgAlertStore } from './alerts.js';
import { PgSignalStore } from './signals.js';
import { COLUMN_TYPES } from './copied-columns.js';
import { PgOverviewStore } from './overview.js';
import { PgRateLimitStore } from './rate-limits.js';
import { PgRunStore } from './runs.js';
import { PgScheduleStore } from './schedules.js';
import { PgSpendStore } from './spend.js';
import { PgTimerStore } from './timers.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /** Schema for Vigil's tables, created by `migrate`; default `public`. */
  schema?: string;
  /** Connections in the pool (LISTEN uses one more of its own). Default 10. */
  poolSize?: number;
  /** Time source; default the database server's clock (see `DatabaseClock`). Tests pass a FakeClock. */
  clock?: Clock;
  /** How long a statement keeps being retried while the database is unreachable. Default 15 s. */
  retryForMs?: number;
  /** How long one attempt to connect (or to wait for a free pooled connection) may take. Default 10 s. */
  connectTimeoutMs?: number;
  logger?: Logger;
}

/**
 * The multi-node store: any number of worker and server processes on any number of machines
 * share one PostgreSQL. Every write is a single statement (one round trip, one transaction),
 * fenced by the lease epoch under a row lock; concurrent step checkpoints and run ends of several
 * runs share one such statement (`PgGroupCommit`); claims use `FOR UPDATE SKIP LOCKED`; LISTEN/NOTIFY
 * wakes idle workers when runs become ready.
 */
export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly clock: Clock;
  readonly runs: PgRunStore;
  readonly queue: PgQueueStore;
  readonly checkpoints: PgCheckpointStore;
  readonly timers: PgTimerStore;
  readonly escalations: PgEscalationStore;
  readonly deadLetters: PgDeadLetterStore;
  readonly breakers: PgBreakerStore;
  readonly outbox: PgOutboxStore;
  readonly events: PgEventStore;
  readonly schedules: PgScheduleStore;
  readonly apiKeys: PgApiKeyStore;
  readonly spend: PgSpendStore;
  readonly rateLimits: PgRateLimitStore;
  readonly memory: PgMemoryStore;
  readonly stepLogs: PgStepLogStore;
  readonly alerts: PgAlertStore;
  readonly signals: PgSignalStore;
  readonly overview: PgOverviewStore;
  readonly audit: PgAuditStore;
  readonly gauges: PgGaugeStore;
  private readonly conn: PgConnection;
  private readonly notifier: PgNotifier;
  private readonly databaseClock: DatabaseClock | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly logger: Logger;
  private readonly target: string;
  private started: Promise<void> | undefined;
  private closed = false;

  constructor(options: PostgresStoreOptions) {
    this.logger = options.logger ?? silentLogger;
    const schema = validSchema(options.schema ?? 'public');
    this.conn = new PgConnection({
      url: options.url,
      schema,
      logger: this.logger,
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...(options.retryForMs === undefined ? {} : { retryForMs: options.retryForMs }),
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    });
    this.databaseClock = options.clock ? undefined : new DatabaseClock();
    this.clock = options.clock ?? this.databaseClock!;
    const channel = `vigil_work_${schema}`;
    this.audit = new PgAuditStore(this.conn);
    // Every statement that writes steps stages their audit entries; the audit store chains them.
    const staged = (): void => this.audit.staged();
    const group = new PgGroupCommit(this.conn, channel, staged);
    this.runs = new PgRunStore(this.conn, channel, staged);
    this.queue = new PgQueueStore(this.conn, channel, group);
    this.checkpoints = new PgCheckpointStore(this.conn, group);
    this.timers = new PgTimerStore(this.conn, channel, staged);
    this.escalations = new PgEscalationStore(this.conn, channel);
    this.deadLetters = new PgDeadLetterStore(this.conn, channel);
    this.breakers = new PgBreakerStore(this.conn);
    this.outbox = new PgOutboxStore(this.conn);
    this.events = new PgEventStore(this.conn, channel);
    this.schedules = new PgScheduleStore(this.conn);
    this.apiKeys = new PgApiKeyStore(this.conn);
    this.spend = new PgSpendStore(this.conn);
    this.rateLimits = new PgRateLimitStore(this.conn);
    this.memory = new PgMemoryStore(this.conn, staged);
    this.stepLogs = new PgStepLogStore(this.conn);
    this.alerts = new PgAlertStore(this.conn);
    this.signals = new PgSignalStore(this.conn);
    this.overview = new PgOverviewStore(this.conn);
    this.gauges = new PgGaugeStore(this.conn);
    this.notifier = new PgNotifier(
      options.url,
      channel,
      this.logger,
      () => this.notifyWorkAvailable(),
      options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    );
    this.target = `${describeUrl(options.url)}${schema === 'public' ? '' : ` schema ${schema}`}`;
  }

  migrate(): Promise<void> {
    this.started ??= (async () => {
      if (this.databaseClock) {
        await this.databaseClock.sync(this.conn);
        this.databaseClock.start(this.conn, 60_000, (error) =>
          this.logger.warn('could not read the database clock', { error: String(error) }),
        );
      }
      await applyMigrations(this.conn, this.clock.now());
      // Audit entries a killed process staged with its steps and never chained.
      await this.audit.chainStaged(this.clock.now());
      await this.notifier.start();
    })();
    return this.started;
  }

  async ping(): Promise<void> {
    await this.conn.pool.query('SELECT 1');
  }

  /**
   * Inserts rows exported from another store verbatim, keeping rows already present. Used to
   * move a SQLite deployment to PostgreSQL; the tables must be migrated first.
   */
  async importRows(table: CopiedTable, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    if (rows.length === 0) return;
    const columns = COLUMN_TYPES[table];
    const names = Object.keys(columns);
    // SQLite stores booleans as 0 and 1.
    const arrays = names.map((name) =>
      rows.map((row) => {
        const value = row[name] ?? null;
        return columns[name] === 'boolean' && value !== null ? Boolean(value) : value;
      }),
    );
    const unnest = names.map((name, i) => `$${i + 1}::${columns[name]}[]`).join(', ');
    await this.conn.query(
      `INSERT INTO ${table} (${names.join(', ')}) SELECT * FROM unnest(${unnest}) ON CONFLICT DO NOTHING`,
      arrays,
    );
    // Ids copied into a serial column leave its sequence behind: the next line appended here
    // would take an id already used. Move the sequence past the highest id.
    if (table === 'step_logs') {
      await this.conn.query(
        `SELECT setval(pg_get_serial_sequence('step_logs', 'id'), (SELECT max(id) FROM step_logs))`,
      );
    }
  }

  onWorkAvailable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  describe(): string {
    return `postgres ${this.target}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.databaseClock?.stop();
    await this.notifier.close();
    await this.conn.close();
  }

  private notifyWorkAvailable(): void {
    for (const listener of this.listeners) listener();
  }
}
