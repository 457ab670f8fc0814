import type { Clock } from '../../core/clock.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { CopiedTable } from '../copied-tables.js';
import type { Store } from '../store.js';
import { PgApiKeyStore } from './api-keys.js';
import { PgAuditStore } from './audit.js';
import { PgBreakerStore } from './breakers.js';
import { PgCheckpointStore } from './checkpoints.js';
import { PgConnection, validSchema } from './connection.js';
import { DatabaseClock } from './database-clock.js';
import { PgDeadLetterStore } from './dead-letters.js';
import { PgEscalationStore } from './escalations.js';
import { PgEventStore } from './events.js';
import { applyMigrations } from './migrator.js';
import { PgNotifier } from './notifier.js';
import { PgOutboxStore } from './outbox.js';
import { PgQueueStore } from './queue.js';
import { PgMemoryStore } from './memory.js';
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
  logger?: Logger;
}

/**
 * The multi-node store: any number of worker and server processes on any number of machines
 * share one PostgreSQL. Every write is a single statement (one round trip, one transaction),
 * fenced by the lease epoch under a row lock; claims use `FOR UPDATE SKIP LOCKED`; LISTEN/NOTIFY
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
  readonly overview: PgOverviewStore;
  readonly audit: PgAuditStore;
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
    });
    this.databaseClock = options.clock ? undefined : new DatabaseClock();
    this.clock = options.clock ?? this.databaseClock!;
    const channel = `vigil_work_${schema}`;
    this.runs = new PgRunStore(this.conn, channel);
    this.queue = new PgQueueStore(this.conn, channel);
    this.checkpoints = new PgCheckpointStore(this.conn);
    this.timers = new PgTimerStore(this.conn, channel);
    this.escalations = new PgEscalationStore(this.conn, channel);
    this.deadLetters = new PgDeadLetterStore(this.conn, channel);
    this.breakers = new PgBreakerStore(this.conn);
    this.outbox = new PgOutboxStore(this.conn);
    this.events = new PgEventStore(this.conn, channel);
    this.schedules = new PgScheduleStore(this.conn);
    this.apiKeys = new PgApiKeyStore(this.conn);
    this.spend = new PgSpendStore(this.conn);
    this.rateLimits = new PgRateLimitStore(this.conn);
    this.memory = new PgMemoryStore(this.conn);
    this.overview = new PgOverviewStore(this.conn);
    this.audit = new PgAuditStore(this.conn);
    this.notifier = new PgNotifier(options.url, channel, this.logger, () => this.notifyWorkAvailable());
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

/** The columns of each copied table and their PostgreSQL types, as in the migrations. */
const COLUMN_TYPES: Record<CopiedTable, Record<string, string>> = {
  runs: {
    id: 'text',
    workflow: 'text',
    version: 'int',
    status: 'text',
    input: 'text',
    input_checksum: 'text',
    input_hash: 'text',
    output: 'text',
    error: 'text',
    summary: 'text',
    replay_of: 'text',
    idempotency_key: 'text',
    principal: 'text',
    attempt: 'int',
    ready_at: 'bigint',
    lease_owner: 'text',
    lease_epoch: 'bigint',
    lease_expires_at: 'bigint',
    created_at: 'bigint',
    updated_at: 'bigint',
    finished_at: 'bigint',
    priority: 'int',
    flow_state: 'smallint',
    concurrency_limit: 'int',
    concurrency_key: 'text',
    key_limit: 'int',
    rate_limit: 'int',
    rate_period_ms: 'bigint',
    rate_key: 'text',
    admitted_at: 'bigint',
    held_on: 'text',
  },
  flow_timers: {
    workflow: 'text',
    gate: 'text',
    release_at: 'bigint',
  },
  steps: {
    run_id: 'text',
    seq: 'int',
    name: 'text',
    kind: 'text',
    status: 'text',
    attempts: 'int',
    output: 'text',
    error: 'text',
    checksum: 'text',
    wake_at: 'bigint',
    started_at: 'bigint',
    ended_at: 'bigint',
    detail: 'text',
  },
  step_attempts: {
    run_id: 'text',
    seq: 'int',
    attempt: 'int',
    outcome: 'text',
    error: 'text',
    started_at: 'bigint',
    ended_at: 'bigint',
    delay_ms: 'bigint',
  },
  dead_letters: {
    id: 'text',
    run_id: 'text',
    workflow: 'text',
    version: 'int',
    reason: 'text',
    error: 'text',
    failed_seq: 'int',
    failed_step: 'text',
    context: 'text',
    created_at: 'bigint',
    replayed_at: 'bigint',
    replay_run_id: 'text',
    replayed_by: 'text',
  },
  escalations: {
    id: 'text',
    run_id: 'text',
    seq: 'int',
    step: 'text',
    workflow: 'text',
    kind: 'text',
    reason: 'text',
    summary: 'text',
    assignee: 'text',
    blocking: 'boolean',
    status: 'text',
    context: 'text',
    timeout_at: 'bigint',
    on_timeout: 'text',
    decision: 'text',
    value: 'text',
    resolved_by: 'text',
    note: 'text',
    created_at: 'bigint',
    resolved_at: 'bigint',
  },
  breakers: {
    key: 'text',
    tool: 'text',
    status: 'text',
    consecutive_failures: 'int',
    window_start: 'bigint',
    window_calls: 'int',
    window_failures: 'int',
    opened_at: 'bigint',
    open_until: 'bigint',
    probe_until: 'bigint',
    last_error: 'text',
    updated_at: 'bigint',
  },
  outbox: {
    id: 'text',
    topic: 'text',
    payload: 'text',
    attempts: 'int',
    next_attempt_at: 'bigint',
    last_error: 'text',
    created_at: 'bigint',
    delivered_at: 'bigint',
  },
  events: {
    id: 'text',
    name: 'text',
    payload: 'text',
    payload_hash: 'text',
    dedupe_key: 'text',
    source: 'text',
    principal: 'text',
    received_at: 'bigint',
    dispatched_at: 'bigint',
  },
  event_deliveries: {
    event_id: 'text',
    run_id: 'text',
    kind: 'text',
    seq: 'int',
    at: 'bigint',
  },
  event_waits: {
    run_id: 'text',
    seq: 'int',
    name: 'text',
    match: 'text',
    since: 'bigint',
    deadline: 'bigint',
  },
  schedules: {
    id: 'text',
    workflow: 'text',
    cron: 'text',
    timezone: 'text',
    jitter_ms: 'bigint',
    overlap: 'text',
    catch_up: 'text',
    catch_up_window_ms: 'bigint',
    input: 'text',
    paused: 'boolean',
    origin: 'text',
    next_slot_at: 'bigint',
    next_fire_at: 'bigint',
    buffered_slot_at: 'bigint',
    last_slot_at: 'bigint',
    last_run_id: 'text',
    claim_owner: 'text',
    claim_expires_at: 'bigint',
    created_at: 'bigint',
    updated_at: 'bigint',
  },
  api_keys: {
    id: 'text',
    name: 'text',
    role: 'text',
    hash: 'text',
    created_at: 'bigint',
    created_by: 'text',
    expires_at: 'bigint',
    revoked_at: 'bigint',
    revoked_by: 'text',
    last_used_at: 'bigint',
  },
  spend_ledger: {
    run_id: 'text',
    seq: 'int',
    attempt: 'int',
    workflow: 'text',
    agent: 'text',
    step: 'text',
    kind: 'text',
    target: 'text',
    state: 'text',
    estimate_nanos: 'bigint',
    nanos: 'bigint',
    scopes: 'text',
    day: 'text',
    input_tokens: 'bigint',
    output_tokens: 'bigint',
    cached_tokens: 'bigint',
    reasoning_tokens: 'bigint',
    reserved_at: 'bigint',
    settled_at: 'bigint',
  },
  spend_counters: {
    scope: 'text',
    key: 'text',
    period: 'text',
    settled_nanos: 'bigint',
    reserved_nanos: 'bigint',
    soft_notified: 'boolean',
    updated_at: 'bigint',
  },
  budget_limits: {
    scope: 'text',
    key: 'text',
    nanos: 'bigint',
    updated_at: 'bigint',
    updated_by: 'text',
  },
  rate_limits: {
    key: 'text',
    tokens: 'float8',
    updated_at: 'bigint',
  },
  memory: {
    agent: 'text',
    key: 'text',
    value: 'text',
    version: 'bigint',
    writer: 'text',
    updated_at: 'bigint',
  },
  audit_entries: {
    seq: 'bigint',
    at: 'bigint',
    type: 'text',
    run_id: 'text',
    principal: 'text',
    data: 'text',
    prev_hash: 'text',
    hash: 'text',
  },
};

/** host:port/database, never the password. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}
