import { Counter, Histogram, type Registry } from 'prom-client';

import type { ErrorRecord } from '../core/errors.js';
import type { RuntimeEventMap, RuntimeEvents } from './events.js';

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

/**
 * The counters and histograms of what this process's engine did, registered on `registry` and
 * fed by `events`. Returns a function that unsubscribes.
 */
export function subscribeEngineMetrics(events: RuntimeEvents, registry: Registry, prefix: string): () => void {
  const registers = [registry];
  const runsStarted = new Counter({
    name: `${prefix}runs_started_total`,
    help: 'Runs this process created (a trigger that matched an existing run by its key creates none).',
    labelNames: ['workflow'],
    registers,
  });
  const runsFinished = new Counter({
    name: `${prefix}runs_finished_total`,
    help: 'Runs this process finished (or cancelled), by final status.',
    labelNames: ['workflow', 'status'],
    registers,
  });
  const runDuration = new Histogram({
    name: `${prefix}run_duration_seconds`,
    help: "From a run's creation to its end, waits included, by final status.",
    labelNames: ['workflow', 'status'],
    buckets: RUN_DURATION_BUCKETS,
    registers,
  });
  const stepDuration = new Histogram({
    name: `${prefix}step_duration_seconds`,
    help: "Steps that ended, by final status (completed, degraded, escalated, failed): from the first attempt's start to the outcome, retries included.",
    labelNames: ['workflow', 'kind', 'status'],
    buckets: STEP_DURATION_BUCKETS,
    registers,
  });
  const stepRetries = new Counter({
    name: `${prefix}step_retries_total`,
    help: 'Failed attempts followed by another attempt after a backoff.',
    labelNames: ['workflow', 'kind'],
    registers,
  });
  const toolCalls = new Counter({
    name: `${prefix}tool_calls_total`,
    help: 'Tool calls by outcome: completed, degraded (fallback), escalated (open non-blocking escalation), failed, denied (by policy).',
    labelNames: ['tool', 'outcome'],
    registers,
  });
  const spend = new Counter({
    name: `${prefix}spend_usd_total`,
    help: 'Spend settled in the ledger, USD, by kind (tool or llm) and target (the tool or model).',
    labelNames: ['workflow', 'kind', 'target'],
    registers,
  });
  const tokens = new Counter({
    name: `${prefix}llm_tokens_total`,
    help: 'LLM tokens by model and type (input, output, cached, reasoning).',
    labelNames: ['model', 'type'],
    registers,
  });

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
  return () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
}

/**
 * Adds `amount` to a counter; a negative or non-finite amount (a provider's odd usage report)
 * is left out rather than thrown from an event listener.
 */
function add<T extends string>(counter: Counter<T>, labels: Record<T, string>, amount: number): void {
  if (Number.isFinite(amount) && amount >= 0) counter.inc(labels, amount);
}

/** A tool call the access policy refused (denied, or an approval rejected). */
function isDenial(error: ErrorRecord): boolean {
  return error.code === 'policy_denied';
}
