import type { Duration } from '../../core/duration.js';
import { InvalidArgumentError } from '../../core/errors.js';
import { CHAOS_SCENARIOS, type ChaosOptions, type ChaosScenario } from '../../testing/chaos/options.js';
import { reportTable } from '../../testing/chaos/report-table.js';
import { runChaos } from '../../testing/chaos/run-chaos.js';

/** `vigil chaos`'s flags as commander parses them (strings; checked by `runChaos`). */
export interface ChaosCommandOptions {
  load: string;
  workflow: string;
  runs?: string;
  inputs?: string;
  scenarios?: string;
  workers?: string;
  killWorkers?: boolean;
  killInterval?: string;
  latency?: string;
  rateLimit?: string;
  failRate?: string;
  faultTool?: string;
  seed?: string;
  concurrency?: string;
  db?: string;
  leaseTtl?: string;
  runTimeout?: string;
  minSuccess?: string;
  approve?: string;
  json?: string;
  html?: string;
}

/**
 * `vigil chaos`: {@link runChaos} with the flags of the same names, the report as a table on
 * stdout, exit code 1 when the verdict failed (duplicates, silently used corruption, success
 * below `--min-success`).
 */
export async function chaosCommand(flags: ChaosCommandOptions): Promise<void> {
  const number = (value: string | undefined, flag: string): number | undefined => {
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed))
      throw new InvalidArgumentError(`${flag} must be a number; got ${value}`);
    return parsed;
  };
  const options: ChaosOptions = {
    load: flags.load,
    workflow: flags.workflow,
    ...defined('runs', number(flags.runs, '--runs')),
    ...defined('inputs', flags.inputs),
    ...defined('scenarios', flags.scenarios === undefined ? undefined : scenarios(flags.scenarios)),
    ...defined('workers', number(flags.workers, '--workers')),
    killWorkers: flags.killWorkers === true,
    ...defined('killInterval', duration(flags.killInterval)),
    ...defined('latency', duration(flags.latency)),
    ...defined('rateLimit', number(flags.rateLimit, '--rate-limit')),
    ...defined('failRate', number(flags.failRate, '--fail-rate')),
    ...defined('faultTool', flags.faultTool),
    ...defined('seed', flags.seed),
    ...defined('concurrency', number(flags.concurrency, '--concurrency')),
    ...defined('database', flags.db),
    ...defined('leaseTtl', duration(flags.leaseTtl)),
    ...defined('runTimeout', duration(flags.runTimeout)),
    ...defined('minSuccess', number(flags.minSuccess, '--min-success')),
    ...defined(
      'approve',
      flags.approve?.split(',').map((name) => name.trim()),
    ),
    ...defined('json', flags.json),
    ...defined('html', flags.html),
  };
  const report = await runChaos(options);
  process.stdout.write(reportTable(report));
  if (!report.passed) process.exitCode = 1;
}

function scenarios(list: string): ChaosScenario[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!(CHAOS_SCENARIOS as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`--scenarios: unknown scenario ${name}; known: ${CHAOS_SCENARIOS.join(', ')}`);
    }
  }
  return names as ChaosScenario[];
}

/** A duration flag: plain digits are milliseconds, otherwise a duration string such as `2s`. */
function duration(value: string | undefined): Duration | undefined {
  if (value === undefined) return undefined;
  // parseDuration checks the text; a bad one is an invalid_argument naming the option.
  return /^\d+$/.test(value) ? Number(value) : (value as Duration);
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
