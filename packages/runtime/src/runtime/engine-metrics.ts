import type { ErrorRecord } from '../core/errors.js';
import type { RuntimeEventMap, RuntimeEvents } from './events.js';
import { CounterTally, HistogramTally } from './metric-tallies.js';

/**
 * Step durations, seconds: a few milliseconds (a cached lookup) to hours (a step that waited
 * on its retries or a human).
 */
export const STEP_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600,
];

/** Run durations, seconds: a webhook's run of milliseconds to a discharge waiting for days. */
export const RUN_DURATION_BUCKETS = [
  0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 21600, 43200, 86400, 259200, 604800, 1209600,
];

/** The token counts `vigil_llm_tokens_total` splits by its `type` label. */
const TOKEN_TYPES = ['input', 'output', 'cached', 'reasoning'] as const;

/** The counters and histograms of what this process's engine did, and how to stop counting. */
export interface EngineMetrics {
  /** In the order a scrape prints them. */
  readonly tallies: ReadonlyArray<CounterTally<string> | HistogramTally<string>>;
  unsubscribe(): void;
}

/** Counts what `events` report in the engine's counters and histograms, their names under `prefix`. */
export function subscribeEngineMetrics(events: RuntimeEvents, prefix: string): EngineMetrics {
  const runsStarted = new CounterTally(
    `${prefix}runs_started_total`,
    'Runs this process created (a trigger that matched an existing run by its key creates none).',
    ['workflow'],
  );
  const runsFinished = new CounterTally(
    `${prefix}runs_finished_total`,
    'Runs this process finished (or cancelled), by final status.',
    ['workflow', 'status'],
  );
  const runDuration = new HistogramTally(
    `${prefix}run_duration_seconds`,
    "From a run's creation to its end, waits included, by final status.",
    ['workflow', 'status'],
    RUN_DURATION_BUCKETS,
  );
  const stepDuration = new HistogramTally(
    `${prefix}step_duration_seconds`,
    "Steps that ended, by final status (completed, degraded, escalated, failed): from the first attempt's start to the outcome, retries included.",
    ['workflow', 'kind', 'status'],
    STEP_DURATION_BUCKETS,
  );
  const stepRetries = new CounterTally(
    `${prefix}step_retries_total`,
    'Failed attempts followed by another attempt after a backoff.',
    ['workflow', 'kind'],
  );
  const toolCalls = new CounterTally(
    `${prefix}tool_calls_total`,
    'Tool calls by outcome: completed, degraded (fallback), escalated (open non-blocking escalation), failed, denied (by policy).',
    ['tool', 'outcome'],
  );
  const spend = new CounterTally(
    `${prefix}spend_usd_total`,
    'Spend settled in the ledger, USD, by kind (tool or llm) and target (the tool or model).',
    ['workflow', 'kind', 'target'],
  );
  const tokens = new CounterTally(
    `${prefix}llm_tokens_total`,
    'LLM tokens by model and type (input, output, cached, reasoning).',
    ['model', 'type'],
  );

  const finished = (workflow: string, status: string, durationMs: number): void => {
    runsFinished.inc({ workflow, status });
    runDuration.observe({ workflow, status }, durationMs / 1000);
  };
  const toolOutcome = (e: { tool?: string }, outcome: string): void => {
    if (e.tool !== undefined) toolCalls.inc({ tool: e.tool, outcome });
  };
  const handlers: { [K in keyof RuntimeEventMap]?: (e: RuntimeEventMap[K]) => void } = {
    'run.created': (e) => runsStarted.inc({ workflow: e.workflow }),
    'run.completed': (e) => finished(e.workflow, e.status, e.durationMs),
    'run.failed': (e) => finished(e.workflow, 'failed', e.durationMs),
    'run.dead_lettered': (e) => finished(e.workflow, 'dead_lettered', e.durationMs),
    'run.cancelled': (e) => finished(e.workflow, 'cancelled', e.durationMs),
    'step.completed': (e) => {
      stepDuration.observe({ workflow: e.workflow, kind: e.kind, status: e.status }, e.durationMs / 1000);
      toolOutcome(e, e.status);
    },
    'step.failed': (e) => {
      stepDuration.observe({ workflow: e.workflow, kind: e.kind, status: 'failed' }, e.durationMs / 1000);
      toolOutcome(e, isDenial(e.error) ? 'denied' : 'failed');
    },
    'step.retrying': (e) => stepRetries.inc({ workflow: e.workflow, kind: e.kind }),
    'spend.recorded': (e) => {
      add(spend, { workflow: e.workflow, kind: e.kind, target: e.target }, e.usd);
      if (e.kind !== 'llm' || !e.tokens) return;
      for (const type of TOKEN_TYPES) add(tokens, { model: e.target, type }, e.tokens[type]);
    },
  };
  const unsubscribes = Object.entries(handlers).map(([event, handler]) =>
    events.on(event as keyof RuntimeEventMap, handler as (e: unknown) => void),
  );
  return {
    tallies: [runsStarted, runsFinished, runDuration, stepDuration, stepRetries, toolCalls, spend, tokens],
    unsubscribe: () => {
      for (const unsubscribe of unsubscribes) unsubscribe();
    },
  };
}

/**
 * Adds `amount` to a counter; a negative or non-finite amount (a provider's odd usage report)
 * is left out rather than thrown from an event listener.
 */
function add<T extends string>(counter: CounterTally<T>, labels: Record<T, string>, amount: number): void {
  if (Number.isFinite(amount) && amount >= 0) counter.inc(labels, amount);
}

/** A tool call the access policy refused (denied, or an approval rejected). */
function isDenial(error: ErrorRecord): boolean {
  return error.code === 'policy_denied';
}
