import type { AnyTool } from '../../core/tool.js';
import type { ScenarioReport } from './chaos-report.js';
import type { ChaosScenario } from './options.js';

/**
 * What a scenario's figures do not show by themselves: a row that tested less than its name
 * says. `code` is stable, for code that reads the JSON:
 * - `no_corruption_injected`: `corrupt` flipped no bit, so its row shows no detection;
 * - `retries_outlast_run_timeout`: `timeout` runs were cancelled before a tool's attempts could
 *   all time out (its attempts × its timeout is at least the run timeout);
 * - `kills_before_timeouts`: `timeout` runs were cancelled while kills, which did hit runs, came
 *   more often than a tool's timeout: attempts were cut off before they could time out;
 * - `no_kill_hit_a_run`: with `--kill-workers`, no run of these scenarios recovered from a kill;
 * - `audit_entries_lost`: step outcomes that are durable but have no entry in the audit trail,
 *   recorded by a worker less than `audit.flushInterval` before it was SIGKILLed (the crash window,
 *   on a store that appends entries after their steps commit: PostgreSQL).
 */
export interface ChaosFinding {
  /** The scenario it is about; `all` for one that names several. */
  scenario: ChaosScenario | 'all';
  code:
    | 'no_corruption_injected'
    | 'retries_outlast_run_timeout'
    | 'kills_before_timeouts'
    | 'no_kill_hit_a_run'
    | 'audit_entries_lost';
  message: string;
}

export interface FindingsInput {
  scenarios: readonly ScenarioReport[];
  tools: readonly AnyTool[];
  killWorkers: boolean;
  killIntervalMs: number;
  runTimeoutMs: number;
}

/** The findings of a chaos run, in scenario order then `all`; empty when every row tested what it says. */
export function reportFindings(input: FindingsInput): ChaosFinding[] {
  const findings: ChaosFinding[] = [];
  for (const row of input.scenarios) {
    if (row.runs === 0) continue;
    if (row.scenario === 'corrupt' && row.corruption.injected === 0) findings.push(noCorruption(row));
    if (row.scenario === 'timeout' && row.timedOut > 0) findings.push(...timeoutFindings(row, input));
  }
  const missed = input.killWorkers
    ? input.scenarios.filter((r) => r.runs > 0 && r.recovery.count === 0 && r.corruption.injected === 0)
    : [];
  if (missed.length > 0) {
    const kills = missed.map((r) => `${r.scenario} ${r.kills}`).join(', ');
    findings.push({
      scenario: missed.length === 1 ? missed[0]!.scenario : 'all',
      code: 'no_kill_hit_a_run',
      message:
        `${missed.map((r) => r.scenario).join(', ')}: no run recovered from a kill, so recovery after a crash was ` +
        `not tested there (kills: ${kills}; kills come about every ${duration(input.killIntervalMs)} plus a ` +
        "replacement's start-up, and a kill between runs or of a worker holding none catches nothing). A shorter " +
        '--kill-interval, more runs or longer ones (--latency) give kills more chances.',
    });
  }
  if (input.scenarios.some((r) => r.audit.missing > 0)) findings.push(auditLost(input.scenarios));
  return findings;
}

function auditLost(scenarios: readonly ScenarioReport[]): ChaosFinding {
  const rows = scenarios.filter((r) => r.audit.missing > 0);
  const missing = rows.reduce((sum, r) => sum + r.audit.missing, 0);
  const outcomes = scenarios.reduce((sum, r) => sum + r.audit.outcomes, 0);
  const where = rows.map((r) => `${r.scenario} ${r.audit.missing} of ${r.audit.outcomes}`).join(', ');
  return {
    scenario: rows.length === 1 ? rows[0]!.scenario : 'all',
    code: 'audit_entries_lost',
    message:
      `${missing} of ${outcomes} step outcomes have no entry in the audit trail (${where}). The steps are durable; ` +
      'their step.completed or step.failed entries were recorded by a worker that was SIGKILLed before its next ' +
      'audit append (every audit.flushInterval, 20 ms by default): the crash window described under "The crash ' +
      'window" in docs/governance.md, open on a store that appends entries after their steps commit (PostgreSQL). ' +
      'Policy decisions and spend recorded in that window are lost the same way.',
  };
}

function noCorruption(row: ScenarioReport): ChaosFinding {
  return {
    scenario: 'corrupt',
    code: 'no_corruption_injected',
    message:
      `corrupt: no checkpoint was corrupted in its ${row.runs} runs, so its row shows no detection. The harness ` +
      'flips a bit in a committed result of a run while that run is between workers, and it found no run in ' +
      'flight with a result committed (it looks every 100 ms). It slows every tool attempt to at least 150 ms: ' +
      'a run gives it a window when a tool call comes after the run’s first step, tool or LLM result.',
  };
}

/**
 * Why `timeout` runs were cancelled at the run timeout instead of reaching their failure policy,
 * as far as the options and the tools' policies tell: a tool whose attempts cannot all time out
 * within the run timeout, and kills (that did hit runs) coming more often than a tool's timeout.
 */
function timeoutFindings(row: ScenarioReport, input: FindingsInput): ChaosFinding[] {
  const timed = input.tools.filter((t) => t.policy.timeoutMs !== undefined);
  const runsOut = `timeout: ${row.timedOut} of ${row.runs} runs were cancelled at the run timeout (${duration(input.runTimeoutMs)})`;
  const findings: ChaosFinding[] = [];
  const slow = timed.filter((t) => t.policy.timeoutMs! * t.policy.retry.attempts >= input.runTimeoutMs);
  if (slow.length > 0) {
    findings.push({
      scenario: 'timeout',
      code: 'retries_outlast_run_timeout',
      message:
        `${runsOut}, which is shorter than a tool needs to time out on every attempt: ` +
        slow.map((t) => `${t.name} ${t.policy.retry.attempts} × ${duration(t.policy.timeoutMs!)}`).join(', ') +
        '. Failure policies decide only after that: give the runs a longer --run-timeout.',
    });
  }
  const cutOff = timed.filter((t) => t.policy.timeoutMs! >= input.killIntervalMs);
  if (input.killWorkers && row.recovery.count > 0 && cutOff.length > 0) {
    findings.push({
      scenario: 'timeout',
      code: 'kills_before_timeouts',
      message:
        `${runsOut}. Workers were killed about every ${duration(input.killIntervalMs)}, and an attempt cut off by a ` +
        `kill is not a failed attempt: with ${toolTimeouts(cutOff)}, kills came before the timeouts, so the runs ` +
        'seldom reached the retries and failure policy this scenario tests. Run it without --kill-workers, or with ' +
        '--kill-interval above the longest tool timeout.',
    });
  }
  return findings;
}

function toolTimeouts(tools: readonly AnyTool[]): string {
  const named = tools.slice(0, 3).map((t) => `${t.name} ${duration(t.policy.timeoutMs!)}`);
  return `tool timeouts of ${named.join(', ')}${tools.length > 3 ? ` and ${tools.length - 3} more` : ''}`;
}

function duration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))}s` : `${Math.round(ms)}ms`;
}
