// Section 11 of RESULTS.md: what observability costs, as ratios to everything off in the same round.
import { ms, num, paragraph, perRound, ratio, table } from './format.js';
import { SETTINGS, type ObservabilityResult, type Setting } from './observability-overhead.js';

const LABELS: Record<Setting, string> = {
  off: 'Everything off',
  metrics: 'Metrics (event-fed counters, one scrape)',
  tracing: 'Tracing (SDK provider, in-memory export)',
  stepLogs: 'Step logs stored',
  all: 'All three',
};

export function observabilitySection({ options: o, rounds, median: m }: ObservabilityResult): string {
  const rows = SETTINGS.map((setting) => {
    const step = `${setting}MsPerStep` as const;
    const throughput = `${setting}WorkflowsPerSec` as const;
    const cpu = `${setting}CpuUsPerStep` as const;
    const ratios =
      setting === 'off'
        ? ['1×', '1×', '1×']
        : [
            `${ratio(m[`${setting}StepRatio`])} (${perRound(rounds, `${setting}StepRatio`, ratio)})`,
            `${ratio(m[`${setting}ThroughputRatio`])} (${perRound(rounds, `${setting}ThroughputRatio`, ratio)})`,
            `${ratio(m[`${setting}CpuRatio`])} (${perRound(rounds, `${setting}CpuRatio`, ratio)})`,
          ];
    return [
      LABELS[setting],
      `${ms(m[step])} (${perRound(rounds, step, (v) => ms(v))})`,
      `${num(m[throughput])} (${perRound(rounds, throughput)})`,
      `${num(m[cpu])} µs (${perRound(rounds, cpu)})`,
      ...ratios,
    ];
  });
  return [
    paragraph(
      `A 10-step workflow whose every step logs one line, under five settings, each on a fresh SQLite file with`,
      '`audit: false` (so the differences are observability alone): everything off (the metrics counters',
      'unsubscribed, `tracing: false`, `stepLogs: false`); each feature alone; all three. Per step:',
      `${o.sequentialRuns} runs one after another at concurrency 1 after ${o.warmupRuns} warm-up runs. Throughput:`,
      `${o.concurrentRuns} runs started at once at concurrency ${o.concurrency}, after ${o.warmupRuns} warm-up runs.`,
      `The ten instances are open at once and the settings take turns in ${o.blocks} blocks of their runs (a`,
      'rotated order per block), so load from elsewhere on the machine falls on all of them alike.',
      'Tracing uses `@opentelemetry/sdk-trace-base` (`BasicTracerProvider`, `SimpleSpanProcessor`,',
      '`InMemorySpanExporter`): the spans are made, ended and exported, to memory rather than the network. Each',
      "ratio is the setting's figure over everything off's in the same round; the median is of the per-round",
      "ratios. CPU per step is the CPU time (user + system) of the benchmark process during the setting's blocks",
      'over every step they ran (both concurrencies): on a loaded machine it holds steadier than wall time, which',
      `also counts the time other processes held the cores. ${o.rounds} round(s); per-round values in brackets.`,
    ),
    '',
    table(
      ['Setting', 'Per step', 'Workflows/s', 'CPU per step', 'Per-step time ÷ off', 'Throughput ÷ off', 'CPU ÷ off'],
      rows,
    ),
    '',
    table(
      ['Figure', 'Median', 'Per round'],
      [
        ['One `/metrics` scrape after the runs', ms(m.scrapeMs), perRound(rounds, 'scrapeMs', (v) => ms(v))],
        ['Spans per run with tracing on', num(m.spansPerRun), perRound(rounds, 'spansPerRun')],
      ],
    ),
  ].join('\n');
}
