import type { BreakerStatus } from '../core/resilience/circuit-breaker.js';

/**
 * What the whole deployment looks like right now, for `/metrics` gauges: counted in the
 * database (shared by every process), not by the process that answers.
 */
export interface DeploymentGauges {
  /** Escalations waiting for a human (`status = 'open'`). */
  openEscalations: number;
  /** Dead letters not yet replayed: the dead-letter queue's depth. */
  deadLetters: number;
  /**
   * When the run that has waited longest to execute became ready: the oldest `ready_at` that
   * has passed (queued, woken from a sleep or a retry backoff; runs held by flow-control limits
   * are not ready), or the oldest expired lease (its worker died). Null when nothing is waiting.
   */
  oldestReadyAt: number | null;
  /** Every stored circuit breaker's status, by key (a breaker never tripped may have no row: closed). */
  breakers: Array<{ key: string; status: BreakerStatus }>;
}

/**
 * Reads the deployment's gauges. Each figure is one aggregate over a partial index
 * (`escalations_open`, `dead_letters_open`, `runs_ready`, `runs_lease_expiry`), so a scrape
 * costs a few index lookups however many finished runs the store holds; breakers are one row
 * per tool. Never retried: a scrape while the database is away fails at once, and the next
 * scrape asks again.
 */
export interface GaugeStore {
  read(now: number): Promise<DeploymentGauges>;
}
