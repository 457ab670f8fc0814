// `npm run bench`: runs every benchmark, each in its own Node.js process, then writes
// bench/RESULTS.md (all but its Peers section, which `npm run bench:peers` writes) and
// bench/results/latest.json. `--quick` runs smaller sizes as a smoke test: it prints the report
// and writes nothing. `--only observability,raw` runs those benchmarks alone and prints their
// sections (with `--quick`, at the smaller sizes); it writes nothing.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { runScript } from './child-process.js';
import { performance } from './clock.js';
import { num } from './format.js';
import { describeMachine, loadAverage, machineLine } from './machine.js';
import { peersSection } from './peers/report.js';
import {
  renderResults,
  renderSection,
  verdicts,
  writeMarkdown,
  type BenchmarkResults,
  type Results,
} from './report.js';

const BENCHMARKS: Array<{ key: keyof BenchmarkResults; script: string; quick: object }> = [
  { key: 'raw', script: 'raw-sqlite.js', quick: { rounds: 3, commits: 1000 } },
  { key: 'stepOverhead', script: 'step-overhead.js', quick: { rounds: 3, runs: 50, rawCommits: 500 } },
  { key: 'throughput', script: 'throughput.js', quick: { rounds: 3, runs: 500, warmupRuns: 50, rawCommits: 500 } },
  { key: 'trigger', script: 'trigger-latency.js', quick: { rounds: 3, runs: 60, rawCommits: 500 } },
  { key: 'recovery', script: 'recovery.js', quick: { rounds: 3, leaseTtlsMs: [1000] } },
  { key: 'sleeping', script: 'sleeping-runs.js', quick: { rounds: 3, runs: 1000, measureMs: 2000, settleMs: 1000 } },
  { key: 'pgRaw', script: 'raw-postgres.js', quick: { rounds: 3, commits: 500, selects: 500 } },
  { key: 'pgStepOverhead', script: 'pg-step-overhead.js', quick: { rounds: 3, runs: 30, rawCommits: 300 } },
  { key: 'pgThroughput', script: 'pg-throughput.js', quick: { rounds: 3, runs: 300, warmupRuns: 50, rawCommits: 300 } },
  { key: 'pgScaling', script: 'pg-scaling.js', quick: { rounds: 3, runs: 300, warmupRuns: 50, rawCommits: 300 } },
  {
    key: 'observability',
    script: 'observability-overhead.js',
    quick: { rounds: 1, blocks: 2, sequentialRuns: 20, concurrentRuns: 100, warmupRuns: 10 },
  },
];

/** Compiled scripts sit next to this file (bench/dist); what they write goes to bench/. */
const script = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const output = (file: string): string => fileURLToPath(new URL(`../${file}`, import.meta.url));

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
});
const quick = values.quick === true;
const only = values.only === undefined ? null : values.only.split(',').map((key) => key.trim());
const unknown = only?.filter((key) => !BENCHMARKS.some((b) => b.key === key)) ?? [];
if (unknown.length > 0) {
  throw new Error(`--only: no benchmark ${unknown.join(', ')}; they are ${BENCHMARKS.map((b) => b.key).join(', ')}`);
}

const started = performance.now();
const machine = describeMachine();
process.stderr.write(`bench: machine: ${machineLine(machine)}\n`);
const benchmarks: Partial<BenchmarkResults> = {};
const timings: Results['timings'] = {};
for (const { key, script: file, quick: quickOptions } of BENCHMARKS) {
  if (only && !only.includes(key)) continue;
  const t0 = performance.now();
  const loadAverage1m = loadAverage();
  process.stderr.write(`bench: ${file} ... `);
  Object.assign(benchmarks, { [key]: await runScript(script(file), quick ? quickOptions : {}, 30 * 60_000) });
  timings[key] = { seconds: (performance.now() - t0) / 1000, loadAverage1m };
  process.stderr.write(`${num(timings[key].seconds)} s\n`);
}
if (only) {
  for (const key of only as Array<keyof BenchmarkResults>) {
    process.stdout.write(`## ${key}\n\n${renderSection(key, benchmarks[key]!, machine.cores)}\n\n`);
  }
  process.stderr.write(`bench: load average (1 min) at the end ${num(loadAverage(), 2)}\n`);
  process.exit(0);
}
const complete = benchmarks as BenchmarkResults;
const results: Results = {
  mode: quick ? 'quick' : 'full',
  generatedAt: new Date().toISOString(),
  durationSec: (performance.now() - started) / 1000,
  machine: { ...machine, loadAverage1mEnd: loadAverage() },
  verdicts: verdicts(complete),
  timings,
  benchmarks: complete,
};

if (quick) {
  process.stdout.write(renderResults(results));
} else {
  mkdirSync(output('results'), { recursive: true });
  writeFileSync(output('results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  // The Peers section is written by `npm run bench:peers` and kept here as it was.
  const previous = existsSync(output('RESULTS.md')) ? readFileSync(output('RESULTS.md'), 'utf8') : '';
  const peers = peersSection(previous);
  await writeMarkdown(
    output('RESULTS.md'),
    peers === ''
      ? renderResults(results)
      : `${renderResults(results)}

${peers}
`,
  );
  process.stderr.write(`bench: wrote bench/RESULTS.md and bench/results/latest.json (${num(results.durationSec)} s)\n`);
}
