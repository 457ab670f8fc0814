import type { LedgerRecord } from './ledger.js';
import { countDuplicates } from './ledger.js';
import type { ChaosScenario } from './options.js';
import type { ChaosFinding } from './report-findings.js';
import { succeeded, type RunOutcome } from './run-outcome.js';
import type { ScenarioResult } from './scenario-run.js';

/** One scenario's row of the report. Rates are 0–1; times are ms; cost is USD. */
export interface ScenarioReport {
  /** `all` in the totals row. */
  scenario: ChaosScenario | 'all';
  runs: number;
  succeeded: number;
  successRate: number;
  /** Runs that finished `completed_partial` (a fallback, skip or non-blocking escalation). */
  partial: number;
  /** Runs with at least one escalation, open or resolved: those whose approvals the harness granted included. */
  escalations: number;
  escalationRate: number;
  /**
   * Runs in which the harness granted at least one approval (`approve`), as the assignee would:
   * counted in `escalations` as well. `escalations - harnessApproved` is at least the runs that
   * needed a person.
   */
  harnessApproved: number;
  deadLetters: number;
  failed: number;
  timedOut: number;
  runLatency: { p50: number; p95: number };
  stepLatency: { p50: number; p95: number };
  costUsd: number;
  kills: number;
  recovery: { count: number; p50: number | null; max: number | null };
  /** Side effects the ledger saw twice under one key from tools not declared idempotent. */
  duplicateSideEffects: number;
  /** Repeats under one key from idempotent tools (deduplicated by the receiver's key). */
  redeliveries: number;
  corruption: { injected: number; detected: number; silentlyUsed: number };
  /**
   * Final step rows whose outcome the runtime announces, and those with no `step.completed` or
   * `step.failed` entry in the audit trail (lost with a SIGKILLed worker: the crash window).
   */
  audit: { outcomes: number; missing: number };
}

export interface ChaosReport {
  workflow: string;
  seed: string;
  database: string;
  /** The external ledger's records (JSON lines), kept after the run. */
  ledgerFile: string;
  startedAt: string;
  durationMs: number;
  /** The options it ran with, defaults filled in (the module is the caller's `load`). */
  options: {
    runs: number;
    scenarios: ChaosScenario[];
    workers: number;
    killWorkers: boolean;
    killIntervalMs: number;
    leaseTtlMs: number;
    runTimeoutMs: number;
    latencyMs: number;
    /** Tool attempts per second per worker; null for no limit. */
    rateLimit: number | null;
    failRate: number;
    concurrency: number;
    minSuccess: number | null;
    /** The `inputs` file, or null when the module's `chaosInputs`/`chaosInput` gave them. */
    inputs: string | null;
    /** The assignees whose approvals the harness granted (`approve`). */
    approve: string[];
    /**
     * The tool the `persistent` scenario failed on every attempt (`faultTool`, else the one the
     * seed chose; `*` for every tool when the module exports none). Absent when `persistent` did not run.
     */
    faultTool?: string;
  };
  scenarios: ScenarioReport[];
  totals: ScenarioReport;
  /** The verdict: false when any duplicate side effect, any silently used corruption, or success below `minSuccess`. */
  passed: boolean;
  /** Why the verdict failed, one sentence each. */
  failures: string[];
  /** What the figures do not show by themselves: a row that tested less than its name says. They do not fail the verdict. */
  findings: ChaosFinding[];
  runs: RunOutcome[];
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** One row from the scenario's results and the ledger's records of its runs. */
export function scenarioReport(result: ScenarioResult, ledger: readonly LedgerRecord[]): ScenarioReport {
  return summarize(
    result.scenario,
    result.outcomes,
    ledger,
    result.kills,
    result.recoveryMs,
    result.corruptionsInjected,
  );
}

export function summarize(
  scenario: ChaosScenario | 'all',
  outcomes: readonly RunOutcome[],
  ledger: readonly LedgerRecord[],
  kills: number,
  recoveryMs: readonly number[],
  injected: number,
): ScenarioReport {
  const runIds = new Set(outcomes.map((o) => o.runId));
  const { duplicates, redeliveries } = countDuplicates(
    ledger.filter((r) => r.runId === undefined || runIds.has(r.runId)),
  );
  const n = outcomes.length;
  const ok = outcomes.filter(succeeded).length;
  const escalations = outcomes.filter((o) => o.escalated || o.status === 'escalated').length;
  const count = (status: string): number => outcomes.filter((o) => o.status === status).length;
  const rate = (k: number): number => (n === 0 ? 0 : k / n);
  const steps = outcomes.flatMap((o) => o.stepMs);
  return {
    scenario,
    runs: n,
    succeeded: ok,
    successRate: rate(ok),
    partial: count('completed_partial'),
    escalations,
    escalationRate: rate(escalations),
    harnessApproved: outcomes.filter((o) => o.harnessApprovals > 0).length,
    deadLetters: count('dead_lettered'),
    failed: count('failed'),
    timedOut: count('timed_out'),
    runLatency: {
      p50: percentile(
        outcomes.map((o) => o.latencyMs),
        50,
      ),
      p95: percentile(
        outcomes.map((o) => o.latencyMs),
        95,
      ),
    },
    stepLatency: { p50: percentile(steps, 50), p95: percentile(steps, 95) },
    costUsd: outcomes.reduce((sum, o) => sum + o.usd, 0),
    kills,
    recovery: {
      count: recoveryMs.length,
      p50: recoveryMs.length ? percentile(recoveryMs, 50) : null,
      max: recoveryMs.length ? Math.max(...recoveryMs) : null,
    },
    duplicateSideEffects: duplicates,
    redeliveries,
    corruption: {
      injected,
      detected: outcomes.filter((o) => o.corruption === 'detected').length,
      silentlyUsed: outcomes.filter((o) => o.corruption === 'silently_used').length,
    },
    audit: {
      outcomes: outcomes.reduce((sum, o) => sum + (o.audit?.outcomes ?? 0), 0),
      missing: outcomes.reduce((sum, o) => sum + (o.audit?.missing ?? 0), 0),
    },
  };
}

/** The verdict's failures: duplicates, silently used corruption, success below `minSuccess` (over the scenarios expected to succeed). */
export function verdict(
  scenarios: readonly ScenarioReport[],
  totals: ScenarioReport,
  minSuccess: number | null,
): string[] {
  const failures: string[] = [];
  if (totals.duplicateSideEffects > 0)
    failures.push(`${totals.duplicateSideEffects} duplicate side effect(s) in the ledger`);
  if (totals.corruption.silentlyUsed > 0)
    failures.push(`${totals.corruption.silentlyUsed} corrupted checkpoint(s) silently used`);
  if (minSuccess !== null) {
    const judged = scenarios.filter((s) => s.scenario !== 'persistent' && s.scenario !== 'corrupt');
    const runs = judged.reduce((sum, s) => sum + s.runs, 0);
    const rate = runs === 0 ? 1 : judged.reduce((sum, s) => sum + s.succeeded, 0) / runs;
    if (rate < minSuccess)
      failures.push(
        `success rate ${(rate * 100).toFixed(1)}% is below --min-success ${(minSuccess * 100).toFixed(1)}%`,
      );
  }
  return failures;
}
