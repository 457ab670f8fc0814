// The per-benchmark sections of RESULTS.md: how each was measured, its medians and every round.
import { mb, ms, num, paragraph, pct, perRound, ratio, table } from './format.js';
import type { RawResult } from './raw-sqlite.js';
import type { RecoveryResult } from './recovery.js';
import type { SleepingResult } from './sleeping-runs.js';
import type { StepOverheadResult } from './step-overhead.js';
import type { ThroughputResult } from './throughput.js';
import type { TriggerResult } from './trigger-latency.js';

const HEADER = ['Figure', 'Median', 'Per round'];
/** A section: lines of prose up to the first empty string, joined into one paragraph, then the rest. */
function text(...parts: string[]): string {
  const end = parts.indexOf('');
  return [paragraph(...parts.slice(0, end)), ...parts.slice(end)].join('\n');
}

export function rawSection({ options: o, rowBytes, rounds, median: m }: RawResult): string {
  return text(
    `better-sqlite3 on a fresh file with \`journal_mode=WAL\` and \`synchronous=FULL\`, one ${rowBytes}-byte row`,
    'inserted per transaction (autocommit), so every insert is one durable commit: the least one checkpointed',
    `step can cost. ${o.rounds} rounds of ${num(o.commits)} commits, each after ${o.warmup} warm-up commits.`,
    '',
    table(HEADER, [
      ['Mean per commit', ms(m.msPerCommit), perRound(rounds, 'msPerCommit')],
      ['Commit latency p50', ms(m.p50Ms), perRound(rounds, 'p50Ms')],
      ['Commit latency p95', ms(m.p95Ms), perRound(rounds, 'p95Ms')],
      ['Ceiling, commits/s', num(m.commitsPerSec), perRound(rounds, 'commitsPerSec')],
      ['Ceiling, 10-step workflows/s (commits/s ÷ 10)', num(m.workflowsPerSec), perRound(rounds, 'workflowsPerSec')],
    ]),
  );
}

export function stepOverheadSection({ options: o, rounds, median: m }: StepOverheadResult): string {
  return text(
    `A workflow of 10 \`ctx.step\` calls, each returning a 100-byte object, run ${o.runs} times one after another`,
    `(\`start()\`, then \`await vigil.result(id)\`) on a worker with \`concurrency: 1\`, after ${o.warmupRuns} warm-up`,
    'runs. Per step = total wall time ÷ (runs × 10), so it includes starting, claiming and finishing each run.',
    `Each round first measures ${num(o.rawCommits)} raw commits in the same fresh directory; the ratio is the`,
    `median of the per-round ratios. ${o.rounds} rounds.`,
    '',
    table(HEADER, [
      ['Vigil, per step', ms(m.msPerStep), perRound(rounds, 'msPerStep')],
      ['Vigil, per 10-step run', ms(m.msPerRun), perRound(rounds, 'msPerRun')],
      ['Raw durable commit', ms(m.rawMsPerCommit), perRound(rounds, 'rawMsPerCommit')],
      ['Ratio (target ≤ 2×)', ratio(m.ratioToRawCommit), perRound(rounds, 'ratioToRawCommit', ratio)],
      [
        'SQLite transactions per run (one fsync each)',
        num(m.transactionsPerRun),
        perRound(rounds, 'transactionsPerRun'),
      ],
      ['Writes per run', num(m.writesPerRun), perRound(rounds, 'writesPerRun')],
    ]),
  );
}

export function throughputSection({ options: o, rounds, median: m }: ThroughputResult): string {
  return text(
    `${num(o.runs)} runs of the same 10-step workflow on one in-process worker with \`concurrency: ${o.concurrency}\`.`,
    'The worker is already running when the clock starts; then all runs are started at once with `vigil.start()`',
    '(so runs are created concurrently with their execution), and the clock stops when the last has completed',
    `(counted through \`vigil.events\`, with the store asked whenever the events pause for 200 ms). ${o.warmupRuns}`,
    'warm-up runs first. The baseline is the raw',
    'one-commit-per-step ceiling (raw commits/s ÷ 10) measured at the start of the same round, in the same fresh',
    `directory. Each round ends with the same runs on a second instance with \`audit: false\`. ${o.rounds} rounds.`,
    '',
    table(HEADER, [
      ['Vigil, workflows/s', num(m.workflowsPerSec), perRound(rounds, 'workflowsPerSec')],
      [
        'Vigil without the audit trail, workflows/s',
        num(m.auditOffWorkflowsPerSec),
        perRound(rounds, 'auditOffWorkflowsPerSec'),
      ],
      ['Throughput the audit trail costs', pct(m.auditCost * 100), perRound(rounds, 'auditCost', (v) => pct(v * 100))],
      ['Vigil, steps/s', num(m.stepsPerSec), perRound(rounds, 'stepsPerSec')],
      ['Raw ceiling, 10-step workflows/s', num(m.rawWorkflowsPerSec), perRound(rounds, 'rawWorkflowsPerSec')],
      ['Ratio (target ≥ 3×)', ratio(m.ratioToRawCeiling), perRound(rounds, 'ratioToRawCeiling', ratio)],
      ['Wall time', ms(m.wallMs, 4), perRound(rounds, 'wallMs', (v) => ms(v, 4))],
      ['SQLite transactions per run', num(m.transactionsPerRun), perRound(rounds, 'transactionsPerRun')],
      ['Writes per transaction (group commit)', num(m.writesPerTransaction), perRound(rounds, 'writesPerTransaction')],
      ['Leases lost (should be 0)', num(m.leasesLost), perRound(rounds, 'leasesLost')],
      [
        'Runs completed without a `run.completed` event (should be 0)',
        num(m.missingCompletionEvents),
        perRound(rounds, 'missingCompletionEvents'),
      ],
    ]),
  );
}

export function triggerSection({ options: o, rounds, median: m }: TriggerResult): string {
  return text(
    `One process, one idle in-process worker (default options). ${o.runs} runs of a two-step workflow are started`,
    `one after another: each waits for the previous run to complete plus ${o.gapMs} ms. Latency is from just before`,
    "`vigil.start()` to `performance.now()` at the top of the first step's body. On this path sit three durable",
    `commits (the queued run, the claim, the step's "started" record). ${o.warmupRuns} warm-up runs per round; the`,
    'baseline is the latency of one raw commit, measured in the same round. Each figure is the median of the',
    `per-round values; ${o.rounds} rounds.`,
    '',
    table(HEADER, [
      ['Trigger → first step p50', ms(m.p50Ms), perRound(rounds, 'p50Ms')],
      ['Trigger → first step p95 (target ≤ 10 ms)', ms(m.p95Ms), perRound(rounds, 'p95Ms')],
      ['Trigger → first step p99', ms(m.p99Ms), perRound(rounds, 'p99Ms')],
      ['Until the queued run has committed (`run.created`), p50', ms(m.createdP50Ms), perRound(rounds, 'createdP50Ms')],
      ['Until the queued run has committed (`run.created`), p95', ms(m.createdP95Ms), perRound(rounds, 'createdP95Ms')],
      ['Until the worker has claimed it (`run.claimed`), p50', ms(m.claimedP50Ms), perRound(rounds, 'claimedP50Ms')],
      ['Until the worker has claimed it (`run.claimed`), p95', ms(m.claimedP95Ms), perRound(rounds, 'claimedP95Ms')],
      ['Raw commit latency p50', ms(m.rawP50Ms), perRound(rounds, 'rawP50Ms')],
      ['Raw commit latency p95', ms(m.rawP95Ms), perRound(rounds, 'rawP95Ms')],
      ['Ratio of the p95s', ratio(m.ratioP95ToRawP95), perRound(rounds, 'ratioP95ToRawP95', ratio)],
    ]),
  );
}

export function recoverySection({ options: o, byTtl }: RecoveryResult): string {
  const rows = byTtl.flatMap(({ leaseTtlMs, rounds, median: m }) => {
    const ttl = `TTL ${leaseTtlMs / 1000} s`;
    return [
      [`${ttl}: kill → first step in the new worker`, ms(m.recoveryMs, 4), perRound(rounds, 'recoveryMs')],
      [`${ttl}: lease left at the kill`, ms(m.leaseRemainingAtKillMs, 4), perRound(rounds, 'leaseRemainingAtKillMs')],
      [`${ttl}: lease expiry → first step`, ms(m.afterLeaseExpiryMs), perRound(rounds, 'afterLeaseExpiryMs')],
      [`${ttl}: kill → new worker ready`, ms(m.newWorkerReadyMs), perRound(rounds, 'newWorkerReadyMs')],
      [`${ttl}: heartbeat (TTL ÷ 5)`, ms(m.heartbeatMs, 4), perRound(rounds, 'heartbeatMs')],
      [
        `${ttl}: resumed at step / attempt`,
        `${m.resumedAtSeq} / ${m.resumedAttempt}`,
        perRound(rounds, 'resumedAtSeq'),
      ],
      [`${ttl}: step bodies run twice`, num(m.stepsRunTwice), perRound(rounds, 'stepsRunTwice')],
    ];
  });
  return text(
    `A child process (Node.js, ESM) opens Vigil on a fresh SQLite file with a worker and runs one run of ${o.steps}`,
    `steps of ${o.stepMs} ms each, appending every step start to a ledger file. ${o.killAfterMs} ms into step`,
    `${o.killDuringStep} the parent SIGKILLs it and at once spawns a second worker process on the same file.`,
    'Recovery is the time from the kill to the first step body starting in the new worker. The new worker must',
    "wait out the dead worker's lease, so it is shown next to the TTL and to what was left of that lease at the",
    `kill. The default TTL is 10 s, renewed by a heartbeat every TTL ÷ 5. One unrecorded warm-up round, then`,
    `${o.rounds} rounds per TTL.`,
    '"Step bodies run twice" should be 1: only the step in flight at the kill runs again (as attempt 2).',
    '',
    table(HEADER, rows),
  );
}

export function sleepingSection({ options: o, rounds, median: m }: SleepingResult): string {
  return text(
    `A child process opens Vigil with a default worker (\`worker: true\`), starts ${num(o.runs)} runs of a workflow`,
    "that does one step and then `ctx.sleep('wait', '1d')`, and waits until a separate better-sqlite3 connection",
    `counts them all \`sleeping\`. It then settles for ${num(o.settleMs / 1000, 2)} s and measures itself for`,
    `${num(o.measureMs / 1000, 2)} s: RSS (\`process.memoryUsage().rss\`, at the end and the highest sample) and CPU`,
    'time (`process.cpuUsage()` delta as a share of one core). The baseline is the same host process with no runs,',
    `in its own fresh directory, measured the same way in the same round. ${o.rounds} rounds. After the window,`,
    'each host forces a full GC (`--expose-gc`) to show what the heap retains, as opposed to garbage not yet collected.',
    '',
    table(HEADER, [
      [`RSS with ${num(o.runs)} sleeping runs (target < 150 MB)`, mb(m.rssMb), perRound(rounds, 'rssMb', mb)],
      ['Highest RSS sample in the window', mb(m.rssMaxMb), perRound(rounds, 'rssMaxMb', mb)],
      ['V8 heap used', mb(m.heapUsedMb), perRound(rounds, 'heapUsedMb', mb)],
      [
        'After the window, forced full GC: heap used',
        mb(m.heapUsedAfterGcMb),
        perRound(rounds, 'heapUsedAfterGcMb', mb),
      ],
      ['After the window, forced full GC: RSS', mb(m.rssAfterGcMb), perRound(rounds, 'rssAfterGcMb', mb)],
      ['RSS, baseline with no runs', mb(m.baselineRssMb), perRound(rounds, 'baselineRssMb', mb)],
      ['CPU, % of one core (target ≈ 0)', pct(m.cpuPercent), perRound(rounds, 'cpuPercent', pct)],
      ['CPU, baseline with no runs', pct(m.baselineCpuPercent), perRound(rounds, 'baselineCpuPercent', pct)],
      ['Runs held in memory during the window', num(m.activeRuns), perRound(rounds, 'activeRuns')],
      [`Time to start ${num(o.runs)} runs and see them all asleep`, ms(m.setupMs, 4), perRound(rounds, 'setupMs', ms)],
    ]),
  );
}
