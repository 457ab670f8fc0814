import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { parseDuration, type Duration } from '../../core/duration.js';
import { InvalidArgumentError } from '../../core/errors.js';

/** The scenarios `runChaos` knows, in the order it runs them. */
export const CHAOS_SCENARIOS = ['happy', 'transient', 'persistent', 'timeout', 'partial', 'corrupt'] as const;
export type ChaosScenario = (typeof CHAOS_SCENARIOS)[number];

/** What `runChaos` and `vigil chaos` take; each field is the flag of the same name. */
export interface ChaosOptions {
  /** The module (`.ts` or `.js`) that exports the workflow and its tools. */
  load: string;
  /** The workflow's name. */
  workflow: string;
  /** Runs in all, shared round-robin among the scenarios. Default 100. */
  runs?: number;
  /**
   * A JSON file holding an array of inputs, used in turn. Default: the module's exported
   * `chaosInputs(i)` function, else its `chaosInput` value.
   */
  inputs?: string;
  /** Default: all of {@link CHAOS_SCENARIOS}. */
  scenarios?: readonly ChaosScenario[];
  /** Worker child processes per scenario. Default 2. */
  workers?: number;
  /** SIGKILL workers at random points (timer and failpoints) and restart them. */
  killWorkers?: boolean;
  /** Mean wait before each timer kill, counted once the last killed worker's replacement has started. Default 2 s. */
  killInterval?: Duration;
  /** Added to every tool attempt in every scenario. Default none. */
  latency?: Duration;
  /** Tool attempts per second each worker lets through; the rest answer 429 (`Retry-After: 1`). */
  rateLimit?: number;
  /** The `transient` scenario's failure probability per tool attempt. Default 0.2. */
  failRate?: number;
  /** The tool the `persistent` scenario breaks. Default: one of the module's tools, chosen by the seed. */
  faultTool?: string;
  /** Fixes every random choice (faults, kills, the persistent tool). Default random. */
  seed?: string;
  /** Runs in flight at once. Default 8. */
  concurrency?: number;
  /** A SQLite file or a `postgres://…` URL. Default a new SQLite file in a temp directory. */
  database?: string;
  /** Lease TTL of the chaos workers (recovery after a kill takes about this long). Default 2 s. */
  leaseTtl?: Duration;
  /** The longest a run may take; past it, it is cancelled and counted as timed out. Default 2 min. */
  runTimeout?: Duration;
  /**
   * Assignees whose approvals (a tool access policy's `approval`) the harness grants, as those
   * people would: a run waiting only on such approvals is approved and goes on instead of
   * settling as escalated. Other escalations are left open. Default none.
   */
  approve?: readonly string[];
  /** Below this success rate (0–1, over all scenarios but `persistent` and `corrupt`) the verdict fails. */
  minSuccess?: number;
  /** Write the report as JSON here. */
  json?: string;
  /** Write the report as one self-contained HTML file here. */
  html?: string;
  /** Where `load`, `inputs`, `json` and `html` are resolved and workers run. Default `process.cwd()`. */
  cwd?: string;
  /** Progress output: a bar on a TTY, plain lines otherwise. Default `process.stderr`; `null` for none. */
  progress?: NodeJS.WritableStream | null;
}

export interface ResolvedChaosOptions {
  load: string;
  workflow: string;
  runs: number;
  inputs: string | null;
  scenarios: readonly ChaosScenario[];
  workers: number;
  killWorkers: boolean;
  killIntervalMs: number;
  latencyMs: number;
  rateLimit: number | null;
  failRate: number;
  faultTool: string | null;
  seed: string;
  concurrency: number;
  database: string;
  leaseTtlMs: number;
  runTimeoutMs: number;
  approve: readonly string[];
  minSuccess: number | null;
  json: string | null;
  html: string | null;
  cwd: string;
  progress: NodeJS.WritableStream | null;
}

/** Checks and completes the options; a bad one is an `invalid_argument` naming the option. */
export function resolveChaosOptions(options: ChaosOptions): ResolvedChaosOptions {
  const cwd = options.cwd ?? process.cwd();
  if (typeof options.load !== 'string' || options.load === '') throw bad('load', 'the module to load is required');
  if (typeof options.workflow !== 'string' || options.workflow === '')
    throw bad('workflow', 'a workflow name is required');
  const scenarios = options.scenarios ?? CHAOS_SCENARIOS;
  for (const s of scenarios) {
    if (!CHAOS_SCENARIOS.includes(s))
      throw bad('scenarios', `unknown scenario ${s}; known: ${CHAOS_SCENARIOS.join(', ')}`);
  }
  if (scenarios.length === 0) throw bad('scenarios', 'name at least one scenario');
  const path = (p: string | undefined): string | null => (p === undefined ? null : resolve(cwd, p));
  return {
    load: resolve(cwd, options.load),
    workflow: options.workflow,
    runs: int(options.runs ?? 100, 'runs', 1),
    inputs: path(options.inputs),
    scenarios,
    workers: int(options.workers ?? 2, 'workers', 1),
    killWorkers: options.killWorkers ?? false,
    killIntervalMs: parseDuration(options.killInterval ?? '2s', 'killInterval'),
    latencyMs: options.latency === undefined ? 0 : parseDuration(options.latency, 'latency'),
    rateLimit: options.rateLimit === undefined ? null : int(options.rateLimit, 'rateLimit', 1),
    failRate: rate(options.failRate ?? 0.2, 'failRate'),
    faultTool: options.faultTool ?? null,
    seed: options.seed ?? Math.random().toString(36).slice(2, 10),
    concurrency: int(options.concurrency ?? 8, 'concurrency', 1),
    database: options.database ?? join(mkdtempSync(join(tmpdir(), 'vigil-chaos-')), 'chaos.db'),
    leaseTtlMs: parseDuration(options.leaseTtl ?? '2s', 'leaseTtl'),
    runTimeoutMs: parseDuration(options.runTimeout ?? '2m', 'runTimeout'),
    approve: assignees(options.approve ?? []),
    minSuccess: options.minSuccess === undefined ? null : rate(options.minSuccess, 'minSuccess'),
    json: path(options.json),
    html: path(options.html),
    cwd,
    progress: options.progress === undefined ? process.stderr : options.progress,
  };
}

function int(value: number, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw bad(name, `must be an integer ≥ ${min}; got ${value}`);
  return value;
}

function assignees(list: readonly string[]): readonly string[] {
  for (const name of list) {
    if (typeof name !== 'string' || name.trim() === '') throw bad('approve', 'each assignee must be a non-empty name');
  }
  return list;
}

function rate(value: number, name: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw bad(name, `must be from 0 to 1; got ${value}`);
  return value;
}

function bad(option: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError(`runChaos ${option}: ${message}`, { path: option });
}
