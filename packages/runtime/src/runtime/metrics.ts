import { createRequire } from 'node:module';

import type * as PromClient from 'prom-client';
import type { Gauge, Registry } from 'prom-client';

import { InvalidArgumentError, VigilError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { BreakerStatus } from '../core/resilience/circuit-breaker.js';
import type { Store } from '../store/store.js';
import { subscribeEngineMetrics, type EngineMetrics } from './engine-metrics.js';
import type { RuntimeEvents } from './events.js';
import { registerTally } from './metric-tallies.js';

/** How `/metrics` is served. */
export interface MetricsOptions {
  /**
   * Serve `GET /metrics` without an API key, for a scraper on a private network. Default
   * `VIGIL_METRICS_PUBLIC` (`1`/`true`), else false: the route needs a key with `read`.
   */
  public?: boolean;
}

/** Every metric's name starts with this, process metrics included. */
export const METRIC_PREFIX = 'vigil_';

/** A breaker's status as the `vigil_breaker_state` gauge's value. */
export const BREAKER_STATE_VALUES: Readonly<Record<BreakerStatus, number>> = { closed: 0, half_open: 1, open: 2 };

/** Prometheus text format 0.0.4, what {@link VigilMetrics.scrape} answers. */
const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * prom-client, loaded by the first reader of the metrics rather than by `import 'vigil'`: it
 * added about 2 MB to the RSS of opening Vigil (bench/README.md, "Where the memory goes"),
 * which a process nobody scrapes (a worker without `/metrics`, a CLI command, a test) need not
 * pay. It is CommonJS, so it loads synchronously, as the `registry` getter needs.
 */
const loadPromClient = (): typeof PromClient => createRequire(import.meta.url)('prom-client') as typeof PromClient;

/** The deployment's gauges, set from the store at each scrape. */
interface StoreGauges {
  escalationsOpen: Gauge;
  deadLetters: Gauge;
  queueLag: Gauge;
  breakerState: Gauge<'key'>;
}

/**
 * One Vigil instance's Prometheus metrics, in a registry of its own (never prom-client's global
 * one: two instances in a process keep apart). Counters and histograms count what this process
 * did, fed by its runtime events (`engine-metrics.ts`, in tallies of its own until someone reads
 * them); Prometheus sums them across processes. The gauges of the deployment (open escalations,
 * dead letters, queue lag, breakers) are read from the store at each scrape, so every process
 * reports the same whole-deployment figures. The registry, and prom-client with it, is made at
 * the first scrape or the first read of `registry`.
 */
export class VigilMetrics {
  /** Whether `GET /metrics` is served without an API key. */
  readonly public: boolean;
  private readonly engine: EngineMetrics;
  private made: { registry: Registry; gauges: StoreGauges } | undefined;
  private processMetrics = false;

  constructor(
    private readonly deps: { store: Store; events: RuntimeEvents; logger: Logger },
    options: MetricsOptions = {},
  ) {
    this.public = options.public ?? publicFromEnv();
    this.engine = subscribeEngineMetrics(deps.events, METRIC_PREFIX);
  }

  /** The prom-client registry holding every metric of this instance. */
  get registry(): Registry {
    return this.make().registry;
  }

  /** The content type of {@link scrape}'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return PROMETHEUS_CONTENT_TYPE;
  }

  /**
   * The metrics as Prometheus text: the store's gauges read now, then every metric. Throws a
   * `store_unavailable` error (HTTP 503) when the store does not answer; nothing else of the
   * instance is touched, so a failed scrape never fails a run.
   */
  async scrape(): Promise<string> {
    const { registry, gauges: gauge } = this.make();
    this.startProcessMetrics(registry);
    const { store } = this.deps;
    const now = store.clock.now();
    let gauges;
    try {
      gauges = await store.gauges.read(now);
    } catch (error) {
      this.deps.logger.warn('metrics scrape: the store did not answer', { error: String(error) });
      throw new VigilError('store_unavailable', `The store did not answer the metrics scrape: ${String(error)}`, {
        cause: error,
      });
    }
    gauge.escalationsOpen.set(gauges.openEscalations);
    gauge.deadLetters.set(gauges.deadLetters);
    gauge.queueLag.set(gauges.oldestReadyAt === null ? 0 : Math.max(0, now - gauges.oldestReadyAt) / 1000);
    gauge.breakerState.reset();
    for (const breaker of gauges.breakers)
      gauge.breakerState.set({ key: breaker.key }, BREAKER_STATE_VALUES[breaker.status]);
    return registry.metrics();
  }

  /** Stops counting this instance's events. */
  close(): void {
    this.engine.unsubscribe();
  }

  /** The registry: the store's gauges first, then the engine's tallies, as a scrape prints them. */
  private make(): { registry: Registry; gauges: StoreGauges } {
    if (this.made) return this.made;
    const { Gauge, Registry } = loadPromClient();
    const registry = new Registry();
    const registers = [registry];
    const gauges: StoreGauges = {
      escalationsOpen: new Gauge({
        name: `${METRIC_PREFIX}escalations_open`,
        help: 'Escalations waiting for a human, in the whole deployment.',
        registers,
      }),
      deadLetters: new Gauge({
        name: `${METRIC_PREFIX}dead_letters`,
        help: 'Dead letters not yet replayed (the dead-letter queue depth), in the whole deployment.',
        registers,
      }),
      queueLag: new Gauge({
        name: `${METRIC_PREFIX}queue_lag_seconds`,
        help: 'How long the oldest run ready to execute has waited for a worker; 0 when none waits.',
        registers,
      }),
      breakerState: new Gauge({
        name: `${METRIC_PREFIX}breaker_state`,
        help: 'Each stored circuit breaker: 0 closed, 1 half-open, 2 open.',
        labelNames: ['key'],
        registers,
      }),
    };
    for (const tally of this.engine.tallies) registerTally(registry, tally);
    this.made = { registry, gauges };
    return this.made;
  }

  /**
   * prom-client's process metrics (CPU, memory, event loop lag, GC), prefixed. Started at the
   * first scrape rather than with the instance: they install observers that live as long as the
   * process, which an instance nobody scrapes (a test's, a CLI command's) should not leave behind.
   */
  private startProcessMetrics(registry: Registry): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    loadPromClient().collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  }
}

/** `VIGIL_METRICS_PUBLIC`: `1`/`true` or `0`/`false` (unset: false). */
function publicFromEnv(): boolean {
  const value = process.env['VIGIL_METRICS_PUBLIC']?.trim().toLowerCase();
  if (value === undefined || value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new InvalidArgumentError(`VIGIL_METRICS_PUBLIC must be 1, true, 0 or false; got "${value}"`);
}
