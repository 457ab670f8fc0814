import type { Clock } from '../core/clock.js';
import type { AlertStore } from './alert-store.js';
import type { ApiKeyStore } from './api-key-store.js';
import type { AuditStore } from './audit-store.js';
import type { BreakerStore } from './breaker-store.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { DeadLetterStore } from './dead-letter-store.js';
import type { EscalationStore } from './escalation-store.js';
import type { EventStore } from './event-store.js';
import type { GaugeStore } from './gauge-store.js';
import type { MemoryStore } from './memory-store.js';
import type { OutboxStore } from './outbox-store.js';
import type { OverviewStore } from './overview-store.js';
import type { QueueStore } from './queue-store.js';
import type { RateLimitStore } from './rate-limit-store.js';
import type { RunStore } from './run-store.js';
import type { ScheduleStore } from './schedule-store.js';
import type { SignalStore } from './signal-store.js';
import type { SpendStore } from './spend-store.js';
import type { StepLogStore } from './step-log-store.js';
import type { TimerStore } from './timer-store.js';

/**
 * Everything Vigil persists, grouped by aggregate. SQLite and PostgreSQL implement it and pass
 * the same conformance suite (`describeStoreContract`).
 *
 * Rules every implementation keeps:
 * - a promise resolves only after its write is durable (committed and synced);
 * - every write on behalf of a leased run is fenced by the lease epoch in the same transaction;
 * - methods compare times only with the `now` they are given, taken from `clock`.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** The one time source for leases and timers of this store. */
  readonly clock: Clock;
  readonly runs: RunStore;
  readonly queue: QueueStore;
  readonly checkpoints: CheckpointStore;
  readonly timers: TimerStore;
  readonly escalations: EscalationStore;
  readonly deadLetters: DeadLetterStore;
  readonly breakers: BreakerStore;
  readonly outbox: OutboxStore;
  readonly events: EventStore;
  readonly schedules: ScheduleStore;
  readonly apiKeys: ApiKeyStore;
  /** Spend reservations, the ledger, per-scope counters and raised budget limits. */
  readonly spend: SpendStore;
  /** Token buckets of the tool access policy's rate limits, shared by every worker. */
  readonly rateLimits: RateLimitStore;
  /** The append-only, hash-chained audit trail. */
  readonly audit: AuditStore;
  /** What agents remember across runs (`ctx.memory.agent()`), last write wins. */
  readonly memory: MemoryStore;
  /** The lines each step of a run logged, for the dashboard's step panel. */
  readonly stepLogs: StepLogStore;
  /** Where each alert rule stands (firing, resolved), shared by every evaluating process. */
  readonly alerts: AlertStore;
  /** Read-only measurements: run outcomes, tool failures, dead-letter depth, stuck runs, step durations. */
  readonly signals: SignalStore;
  /** Counts and ages of the whole deployment, read at scrape time for `/metrics`. */
  readonly gauges: GaugeStore;
  /** Read-only counts and the change feed across the deployment, for the operator surface. */
  readonly overview: OverviewStore;
  /** Applies pending numbered migrations. Safe to call more than once. */
  migrate(): Promise<void>;
  /**
   * Calls `listener` when runs may have become claimable (created, handed back). Returns an
   * unsubscribe function. Workers also poll, so a missed notification only adds latency.
   */
  onWorkAvailable(listener: () => void): () => void;
  /** Resolves if the database answers now; rejects at once otherwise (no retries). For readiness checks. */
  ping(): Promise<void>;
  /** A one-line description for logs, e.g. `sqlite .vigil/vigil.db (WAL, synchronous=FULL)`. */
  describe(): string;
  close(): Promise<void>;
}
