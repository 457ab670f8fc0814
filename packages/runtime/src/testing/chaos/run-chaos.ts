import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createVigil } from '../../compose.js';
import { summarize, scenarioReport, verdict, type ChaosReport } from './chaos-report.js';
import { loadChaosModule } from './chaos-module.js';
import { startLedger } from './ledger.js';
import { resolveChaosOptions, type ChaosOptions } from './options.js';
import { ChaosProgress } from './progress.js';
import { reportFindings } from './report-findings.js';
import { reportHtml } from './report-html.js';
import { succeeded } from './run-outcome.js';
import { persistentToolOf, scenarioFaults } from './scenario-faults.js';
import { runScenario, type ScenarioResult } from './scenario-run.js';

/**
 * Runs a workflow many times under chaos — tool failures, latency past timeouts, degraded
 * paths, SIGKILLed worker processes, bit flips in stored checkpoints — and reports success,
 * escalations, dead letters, latencies, cost, recovery after kills and duplicate side effects
 * as an external ledger process counted them. The user's code is not changed: faults enter
 * through the workers' `VIGIL_TOOL_FAULTS` hook around every `tool.run`.
 *
 * Scenarios run one after another, each with fresh worker processes; the runs are shared
 * among them round-robin. The report's `passed` is false on any duplicate side effect, any
 * silently used corruption, or success below `minSuccess`.
 *
 * @example
 * const report = await runChaos({ load: './my-agent.ts', workflow: 'my.flow', runs: 100, killWorkers: true });
 * expect(report.totals.duplicateSideEffects).toBe(0);
 */
export async function runChaos(input: ChaosOptions): Promise<ChaosReport> {
  const options = resolveChaosOptions(input);
  const started = Date.now();
  const module = await loadChaosModule(options);
  const persistentTool = persistentToolOf(options, module.tools);
  const vigil = createVigil({ database: options.database, workflows: [module.workflow] });
  const ledgerFile = join(mkdtempSync(join(tmpdir(), 'vigil-chaos-ledger-')), 'ledger.jsonl');
  const ledger = await startLedger(ledgerFile, options.cwd);
  const progress = new ChaosProgress(options.progress, options.runs);
  const results: ScenarioResult[] = [];
  try {
    await vigil.ready();
    const share = (k: number): number =>
      Math.floor(options.runs / options.scenarios.length) + (k < options.runs % options.scenarios.length ? 1 : 0);
    let firstIndex = 0;
    for (const [k, scenario] of options.scenarios.entries()) {
      const count = share(k);
      if (count === 0) continue;
      progress.note(
        `chaos: scenario ${scenario}, ${count} runs, ${options.workers} workers${options.killWorkers ? ', killing' : ''}`,
      );
      results.push(
        await runScenario({
          scenario,
          options,
          vigil,
          module,
          faults: scenarioFaults(scenario, options, persistentTool, ledger.url),
          firstIndex,
          count,
          onSettled: (outcome) => progress.settled(succeeded(outcome), scenario),
        }),
      );
      firstIndex += count;
    }
    const records = await ledger.records();
    const scenarios = results.map((r) => scenarioReport(r, records));
    const outcomes = results.flatMap((r) => r.outcomes);
    const totals = summarize(
      'all',
      outcomes,
      records,
      results.reduce((sum, r) => sum + r.kills, 0),
      results.flatMap((r) => r.recoveryMs),
      results.reduce((sum, r) => sum + r.corruptionsInjected, 0),
    );
    const failures = verdict(scenarios, totals, options.minSuccess);
    const report: ChaosReport = {
      workflow: module.workflow.name,
      seed: options.seed,
      database: options.database.replace(/\/\/[^@/]*@/, '//'),
      ledgerFile,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      options: {
        runs: options.runs,
        scenarios: [...options.scenarios],
        workers: options.workers,
        killWorkers: options.killWorkers,
        killIntervalMs: options.killIntervalMs,
        leaseTtlMs: options.leaseTtlMs,
        runTimeoutMs: options.runTimeoutMs,
        latencyMs: options.latencyMs,
        rateLimit: options.rateLimit,
        failRate: options.failRate,
        concurrency: options.concurrency,
        minSuccess: options.minSuccess,
        inputs: options.inputs,
        approve: [...options.approve],
        ...(options.scenarios.includes('persistent') ? { faultTool: persistentTool } : {}),
      },
      scenarios,
      totals,
      passed: failures.length === 0,
      failures,
      findings: reportFindings({
        scenarios,
        tools: module.tools,
        killWorkers: options.killWorkers,
        killIntervalMs: options.killIntervalMs,
        runTimeoutMs: options.runTimeoutMs,
      }),
      runs: outcomes,
    };
    if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    if (options.html) writeFileSync(options.html, reportHtml(report));
    return report;
  } finally {
    await ledger.stop();
    await vigil.close();
  }
}
