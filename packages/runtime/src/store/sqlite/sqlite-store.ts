import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';

import { systemClock, type Clock } from '../../core/clock.js';
import type { Store } from '../store.js';
import type { CopiedTable } from '../copied-tables.js';
import { SqliteApiKeyStore } from './api-keys.js';
import { AuditAtCommit, SqliteAuditStore } from './audit.js';
import { SqliteBreakerStore } from './breakers.js';
import { SqliteCheckpointStore } from './checkpoints.js';
import { SqliteConnection } from './connection.js';
import { SqliteDeadLetterStore } from './dead-letters.js';
import { SqliteEscalationStore } from './escalations.js';
import { SqliteEventStore } from './events.js';
import { applyMigrations, loadMigrations } from './migrator.js';
import { SqliteOutboxStore } from './outbox.js';
import { SqliteQueueStore } from './queue.js';
import { SqliteGaugeStore } from './gauges.js';
import { SqliteMemoryStore } from './memory.js';
import { SqliteStepLogStore } from './step-logs.js';
import { SqliteAlertStore } from './alerts.js';
import { SqliteSignalStore } from './signals.js';
import { SqliteOverviewStore } from './overview.js';
import { SqliteRateLimitStore } from './rate-limits.js';
import { SqliteRunStore } from './runs.js';
import { SqliteScheduleStore } from './schedules.js';
import { SqliteSpendStore } from './spend.js';
import { StatementCache } from './statement-cache.js';
import { SqliteTimerStore } from './timers.js';
import { WriteBatcher } from './write-batcher.js';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:`. The parent directory is created if missing. */
  path: string;
  clock?: Clock;
  /** How long a write waits for another process's write lock before failing. Default 5 s. */
  busyTimeoutMs?: number;
}

/**
 * The page cache of the store's connection, in KiB. better-sqlite3 builds SQLite with 16,000
 * (16 MB), which a growing database fills: memory for pages a worker reads once. What it reads
 * again and again — the lease fence, the audit head, the tops of the tables and indexes it
 * appends to — fits in far less, and a page that is not cached comes from the operating system's
 * file cache, not from the disk. Measured: with the default, malloc's heap was about 4 MB larger at
 * the peak of the peers' workflow (700 workflows, `bench/memory-breakdown.ts`); on benchmark 3
 * (2,100 workflows) the default saved 0.24 `pread` calls per workflow.
 */
const PAGE_CACHE_KIB = 1024;

/**
 * The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so a commit is on
 * disk before it is acknowledged, and group commit so concurrent runs share fsyncs.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly clock: Clock;
  readonly runs: SqliteRunStore;
  readonly queue: SqliteQueueStore;
  readonly checkpoints: SqliteCheckpointStore;
  readonly timers: SqliteTimerStore;
  readonly escalations: SqliteEscalationStore;
  readonly deadLetters: SqliteDeadLetterStore;
  readonly breakers: SqliteBreakerStore;
  readonly outbox: SqliteOutboxStore;
  readonly events: SqliteEventStore;
  readonly schedules: SqliteScheduleStore;
  readonly apiKeys: SqliteApiKeyStore;
  readonly spend: SqliteSpendStore;
  readonly rateLimits: SqliteRateLimitStore;
  readonly audit: SqliteAuditStore;
  readonly memory: SqliteMemoryStore;
  readonly stepLogs: SqliteStepLogStore;
  readonly alerts: SqliteAlertStore;
  readonly signals: SqliteSignalStore;
  readonly gauges: SqliteGaugeStore;
  readonly overview: SqliteOverviewStore;
  private readonly db: BetterSqlite3.Database;
  private readonly batcher: WriteBatcher;
  private readonly listeners = new Set<() => void>();
  private readonly path: string;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    this.clock = options.clock ?? systemClock;
    this.path = options.path === ':memory:' ? ':memory:' : resolve(options.path);
    if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
    this.db = new BetterSqlite3(this.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.db.pragma('foreign_keys = OFF');
    this.db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    const statements = new StatementCache(this.db);
    const auditAtCommit = new AuditAtCommit(statements);
    this.batcher = new WriteBatcher(this.db, auditAtCommit);
    const conn = new SqliteConnection(this.db, this.batcher, auditAtCommit, statements);
    const notify = (): void => this.notifyWorkAvailable();
    this.runs = new SqliteRunStore(conn, notify);
    this.queue = new SqliteQueueStore(conn, notify);
    this.checkpoints = new SqliteCheckpointStore(conn);
    this.timers = new SqliteTimerStore(conn, notify);
    this.escalations = new SqliteEscalationStore(conn, notify);
    this.deadLetters = new SqliteDeadLetterStore(conn, notify);
    this.breakers = new SqliteBreakerStore(conn);
    this.outbox = new SqliteOutboxStore(conn);
    this.events = new SqliteEventStore(conn, notify);
    this.schedules = new SqliteScheduleStore(conn);
    this.apiKeys = new SqliteApiKeyStore(conn);
    this.spend = new SqliteSpendStore(conn);
    this.rateLimits = new SqliteRateLimitStore(conn);
    this.audit = new SqliteAuditStore(conn);
    this.memory = new SqliteMemoryStore(conn);
    this.stepLogs = new SqliteStepLogStore(conn);
    this.alerts = new SqliteAlertStore(conn);
    this.signals = new SqliteSignalStore(conn);
    this.gauges = new SqliteGaugeStore(conn);
    this.overview = new SqliteOverviewStore(conn);
  }

  migrate(): Promise<void> {
    applyMigrations(this.db, loadMigrations(), this.clock.now());
    return Promise.resolve();
  }

  onWorkAvailable(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
    return Promise.resolve();
  }

  /** The page cache the store's connection may fill, in KiB. */
  get pageCacheKiB(): number {
    return -(this.db.pragma('cache_size', { simple: true }) as number);
  }

  /** The database file's absolute path; null for `:memory:`. */
  get file(): string | null {
    return this.path === ':memory:' ? null : this.path;
  }

  /** Runs whose lease has not expired by `now`: a worker may still be executing them. */
  countLiveLeases(now: number): number {
    const row = this.db
      .prepare('SELECT count(*) AS n FROM runs WHERE lease_owner IS NOT NULL AND lease_expires_at > ?')
      .get(now) as { n: number };
    return row.n;
  }

  /** Every row of `table` as stored, `batchSize` at a time, for moving the data to another store. */
  *exportRows(table: CopiedTable, batchSize: number): Generator<Array<Record<string, unknown>>> {
    let batch: Array<Record<string, unknown>> = [];
    for (const row of this.db.prepare(`SELECT * FROM ${table}`).iterate()) {
      batch.push(row as Record<string, unknown>);
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  /** Group-commit counters: committed transactions and the writes they carried. */
  stats(): { transactions: number; writes: number } {
    return { ...this.batcher.stats };
  }

  describe(): string {
    return `sqlite ${this.path} (WAL, synchronous=FULL)`;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.batcher.flush();
    this.db.close();
    return Promise.resolve();
  }

  private notifyWorkAvailable(): void {
    for (const listener of this.listeners) listener();
  }
}
