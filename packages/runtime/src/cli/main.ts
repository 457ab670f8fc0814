#!/usr/bin/env node
/**
 * The `vigil` command line. Process commands (`dev`, `worker`, `server`, `migrate`) run Vigil
 * here; client commands (`start`, `runs …`) talk to a running server over HTTP.
 */
import { Command, Option } from 'commander';

import { isVigilError } from '../core/errors.js';
import { listEventsCommand, sendEventCommand, showEventCommand } from './commands/events.js';
import { ApiClient, DEFAULT_URL } from './api-client.js';
import { listAlertsCommand } from './commands/alerts.js';
import { listBreakersCommand, resetBreakerCommand } from './commands/breakers.js';
import {
  listDeadLettersCommand,
  replayDeadLetterCommand,
  showDeadLetterCommand,
  type ListDeadLettersCommandOptions,
  type ReplayCommandOptions,
} from './commands/dead-letters.js';
import {
  listEscalationsCommand,
  resolveEscalationCommand,
  showEscalationCommand,
  type ListEscalationsCommandOptions,
  type ResolveCommandOptions,
} from './commands/escalations.js';
import type { ChaosCommandOptions } from './commands/chaos.js';
import type { HostOptions } from './commands/host.js';
import { cancelRunCommand, listRunsCommand, replayRunCommand, showRunCommand } from './commands/runs.js';
import { registerScheduleCommands } from './commands/schedules.js';
import { startCommand } from './commands/start.js';
import { registerGovernanceCommands } from './governance-commands.js';
import { listToolsCommand } from './commands/tools.js';
import { parseOutputFormat, type OutputFormat } from './output.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const output = (): Option =>
  new Option('-o, --output <format>', 'table or json').default('table').argParser(parseOutputFormat);
const url = (): Option => new Option('--url <url>', 'where the Vigil API is').env('VIGIL_URL').default(DEFAULT_URL);

function hostCommand(
  program: Command,
  name: string,
  description: string,
  mode: Pick<HostOptions, 'api' | 'worker' | 'banner' | 'devKey' | 'devAuditKey'>,
): void {
  const command = program
    .command(name)
    .description(description)
    .option('--db <database>', 'postgres://… or a SQLite file path (default VIGIL_DATABASE_URL, else .vigil/vigil.db)')
    .option('--db-pool <n>', 'PostgreSQL connections in the pool (default VIGIL_DB_POOL_SIZE, else 10)')
    .option('--load <module>', 'a .ts or .js module whose exported workflows to register (repeatable)', collect, [])
    .option('--config <path>', 'config file (default vigil.config.ts/.js in this directory)');
  if (mode.api) {
    command
      .option('--port <port>', 'HTTP port (default PORT, else 7400)')
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .option(
        '--dashboard-dir <dir>',
        "the web dashboard's built files, or off (default VIGIL_DASHBOARD_DIR, else @vigil/dashboard)",
      );
  }
  if (mode.worker && !mode.api) {
    command
      .addOption(
        new Option('--metrics-port <port>', 'serve GET /metrics on this port (0: a free one)').env(
          'VIGIL_METRICS_PORT',
        ),
      )
      .option('--metrics-host <host>', 'address the metrics listen on', '127.0.0.1');
  }
  if (mode.worker) {
    command
      .option('--concurrency <n>', 'runs executed at once (default 16)')
      .option('--lease-ttl <ms>', 'lease time-to-live in milliseconds (default 10000)')
      .option('--grace <ms>', 'on SIGTERM, how long in-flight steps may finish (default 10000)');
  }
  command.action(async (options: Omit<HostOptions, 'api' | 'worker' | 'devKey'>) => {
    const { host } = await import('./commands/host.js');
    await host({ ...options, ...mode });
  });
}

export function buildProgram(): Command {
  const program = new Command('vigil').description('Durable execution for long-running AI agents').showHelpAfterError();

  hostCommand(program, 'dev', 'API and worker in one process on SQLite, for development', {
    api: true,
    worker: true,
    devKey: true,
    devAuditKey: true,
    banner: ({ url, store, workflows, apiKey, dashboard }) =>
      [
        '',
        'Vigil dev is running',
        `  API        ${url}`,
        `  Dashboard  ${dashboard && url ? `${url}/ (log in with the API key below)` : '(not built: npm run build)'}`,
        `  Store      ${store}`,
        `  Workflows  ${workflows.length ? workflows.join(', ') : '(none: pass --load <module>)'}`,
        ...(apiKey
          ? [
              `  API key    ${apiKey.key}`,
              `             (admin; in ${apiKey.file}, which the CLI in this directory reads; curl: -H "Authorization: Bearer $(cat ${apiKey.file})")`,
            ]
          : []),
        '',
        workflows.includes('patient.discharge@1')
          ? `Try:  npx vigil start patient.discharge --input '{"patientId":"P-1001"}' --wait`
          : 'Start a run:  npx vigil start <workflow> --input <json> --wait',
        '',
      ].join('\n'),
  });
  hostCommand(program, 'worker', 'claim and execute runs', { api: false, worker: true });
  hostCommand(program, 'server', 'serve the HTTP API only', { api: true, worker: false });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .option('--db <database>', 'postgres://… or a SQLite file path (default VIGIL_DATABASE_URL, else .vigil/vigil.db)')
    .action(async (options: { db?: string }) => {
      const { migrateCommand } = await import('./commands/migrate.js');
      await migrateCommand(options.db);
    });

  program
    .command('copy')
    .description('move the runs of a SQLite store to PostgreSQL (stop the processes using it first)')
    .requiredOption('--from <path>', 'the SQLite file')
    .requiredOption('--to <url>', 'postgres://… (with ?schema= for a schema other than public)')
    .action(async (options: { from: string; to: string }) => {
      const { copyCommand } = await import('./commands/copy.js');
      await copyCommand(options.from, options.to);
    });

  program
    .command('chaos')
    .description('run a workflow many times under faults and kills; report reliability (exit 1 on a failed verdict)')
    .requiredOption('--load <module>', 'the .ts or .js module exporting the workflow and its tools')
    .requiredOption('--workflow <name>', 'the workflow to run')
    .option('--runs <n>', 'runs in all, shared among the scenarios (default 100)')
    .option('--inputs <file>', "a JSON array of inputs (default the module's chaosInputs(i) or chaosInput)")
    .option('--scenarios <list>', 'comma-separated: happy,transient,persistent,timeout,partial,corrupt (default all)')
    .option('--workers <n>', 'worker processes per scenario (default 2)')
    .option('--kill-workers', 'SIGKILL workers at random points and restart them')
    .option('--kill-interval <duration>', 'mean time between timer kills (default 2s)')
    .option('--latency <duration>', 'latency added to every tool attempt')
    .option('--rate-limit <n>', 'tool attempts per second per worker; the rest answer 429')
    .option('--fail-rate <rate>', "the transient scenario's failure probability per attempt (default 0.2)")
    .option('--fault-tool <name>', 'the tool the persistent scenario breaks (default one chosen by the seed)')
    .option('--seed <seed>', 'fixes every random choice (default random, printed in the report)')
    .option('--concurrency <n>', 'runs in flight at once (default 8)')
    .option('--db <database>', 'a SQLite file or postgres://… (default a new SQLite file in a temp directory)')
    .option('--lease-ttl <duration>', "the workers' lease TTL (default 2s)")
    .option('--run-timeout <duration>', 'cancel and count as timed out a run that takes longer (default 2m)')
    .option('--min-success <rate>', 'fail the verdict below this success rate (0–1)')
    .option('--approve <assignees>', 'comma-separated: grant the approvals (policy.approval) of these assignees')
    .option('--json <path>', 'write the report as JSON')
    .option('--html <path>', 'write the report as a self-contained HTML file with charts')
    .action(async (options: ChaosCommandOptions) => {
      const { chaosCommand } = await import('./commands/chaos.js');
      await chaosCommand(options);
    });

  program
    .command('start')
    .description('start a run of a workflow')
    .argument('<workflow>', 'workflow name')
    .option('--input <json>', 'input as JSON, or @file')
    .option('--wait', 'follow the run until it finishes; exit 1 unless it completed (completed_partial too)')
    .option('--idempotency-key <key>', 'the same key returns the same run')
    .option('--priority <seconds>', 'go ahead of runs queued up to this many seconds earlier (0–600)')
    .addOption(output())
    .addOption(url())
    .action((workflow: string, options: { url: string } & Parameters<typeof startCommand>[2]) =>
      startCommand(new ApiClient(options.url), workflow, options),
    );

  const runs = program.command('runs').description('list, show, cancel and replay runs');
  runs
    .command('list')
    .description('runs, newest first')
    .option('--status <status>', 'only runs with this status (several: queued,running)')
    .option('--workflow <name>', 'only runs of this workflow')
    .option('--from <time>', 'only runs created at or after this ISO 8601 time')
    .option('--to <time>', 'only runs created before this ISO 8601 time')
    .option('-q, --search <text>', 'a run id or its start, or text found in the input')
    .option('--limit <n>', 'how many (1–500, default 50)')
    .option('--cursor <cursor>', 'the next page, from a previous list')
    .addOption(output())
    .addOption(url())
    .action((options: { url: string } & Parameters<typeof listRunsCommand>[1]) =>
      listRunsCommand(new ApiClient(options.url), options),
    );
  runs
    .command('show')
    .description('a run with its steps and progress')
    .argument('<id>', 'run id')
    .addOption(output())
    .addOption(url())
    .action((id: string, options: { url: string; output: 'table' | 'json' }) =>
      showRunCommand(new ApiClient(options.url), id, options.output),
    );
  runs
    .command('cancel')
    .description('cancel a run that has not finished')
    .argument('<id>', 'run id')
    .addOption(output())
    .addOption(url())
    .action((id: string, options: { url: string; output: 'table' | 'json' }) =>
      cancelRunCommand(new ApiClient(options.url), id, options.output),
    );
  runs
    .command('replay')
    .description('start a new run of the same workflow version with the same input')
    .argument('<id>', 'run id')
    .option('--from-seq <n>', 'keep the results of the steps before step n and execute from it (finished runs only)')
    .addOption(output())
    .addOption(url())
    .action((id: string, options: { url: string; fromSeq?: string; output: 'table' | 'json' }) =>
      replayRunCommand(new ApiClient(options.url), id, options),
    );

  registerScheduleCommands(program, output, url);
  registerOperatorCommands(program);
  registerGovernanceCommands(program, { output, url });
  return program;
}

/** Tools, escalations, dead letters and breakers: what an operator looks at when runs go wrong. */
function registerOperatorCommands(program: Command): void {
  type Common = { url: string; output: OutputFormat };

  const events = program.command('events').description('events that start workflows and wake waiting runs');
  events
    .command('send')
    .description('send an event: starts the workflows triggered on it and wakes runs waiting for it')
    .argument('<name>', 'event name, e.g. discharge.ordered')
    .option('--payload <json>', 'the payload as JSON, or @file')
    .option('--id <id>', 'your id for it: sending the same id again changes nothing')
    .addOption(output())
    .addOption(url())
    .action((name: string, options: Common & { payload?: string; id?: string }) =>
      sendEventCommand(new ApiClient(options.url), name, options),
    );
  events
    .command('list')
    .description('received events, newest first')
    .option('--name <name>', 'only events of this name')
    .option('--limit <n>', 'how many (1–500, default 50)')
    .option('--cursor <cursor>', 'the next page, from a previous list')
    .addOption(output())
    .addOption(url())
    .action((options: Common & { name?: string; limit?: string; cursor?: string }) =>
      listEventsCommand(new ApiClient(options.url), options),
    );
  events
    .command('show')
    .description('an event with the runs it started or woke')
    .argument('<id>', 'event id')
    .addOption(output())
    .addOption(url())
    .action((id: string, options: Common) => showEventCommand(new ApiClient(options.url), id, options.output));

  const tools = program.command('tools').description('the tools the server knows');
  tools
    .command('list')
    .description('tools with their timeouts, retries, breakers and escalation policies')
    .addOption(output())
    .addOption(url())
    .action((options: Common) => listToolsCommand(new ApiClient(options.url), options.output));

  const escalations = program.command('escalations').description('decisions waiting for a human');
  escalations
    .command('list')
    .description('escalations, newest first (open ones unless --status says otherwise)')
    .option('--status <status>', 'open, resolved, timed_out, cancelled or all')
    .option('--run <id>', 'only escalations of this run')
    .option('--assignee <who>', 'only escalations for this person, role or queue')
    .option('--limit <n>', 'how many (1–500, default 50)')
    .option('--cursor <cursor>', 'the next page, from a previous list')
    .addOption(output())
    .addOption(url())
    .action((options: Common & ListEscalationsCommandOptions) =>
      listEscalationsCommand(new ApiClient(options.url), options),
    );
  escalations
    .command('show')
    .description('an escalation with the run context a human needs to decide')
    .argument('<id>', 'escalation id')
    .addOption(output())
    .addOption(url())
    .action((id: string, options: Common) => showEscalationCommand(new ApiClient(options.url), id, options.output));
  escalations
    .command('resolve')
    .description('decide an escalation; a waiting run resumes with the decision')
    .argument('<id>', 'escalation id')
    .addOption(
      new Option('--decision <decision>', 'what the run does next (approve or reject for an approval)')
        .choices(['retry', 'skip', 'abort', 'provide', 'approve', 'reject'])
        .makeOptionMandatory(),
    )
    .option('--value <json>', 'for provide: the step result as JSON, or @file')
    .option('--note <text>', 'why, for the audit trail')
    .addOption(output())
    .addOption(url())
    .action((id: string, options: Common & ResolveCommandOptions) =>
      resolveEscalationCommand(new ApiClient(options.url), id, options),
    );

  const dlq = program.command('dlq').description('runs that failed permanently, and replaying them');
  dlq
    .command('list')
    .description('dead letters not replayed yet, newest first')
    .option('--workflow <name>', 'only dead letters of this workflow')
    .option('--all-history', 'include dead letters already replayed')
    .option('--limit <n>', 'how many (1–500, default 50)')
    .option('--cursor <cursor>', 'the next page, from a previous list')
    .addOption(output())
    .addOption(url())
    .action((options: Common & ListDeadLettersCommandOptions) =>
      listDeadLettersCommand(new ApiClient(options.url), options),
    );
  dlq
    .command('show')
    .description('a dead letter with its error and the run context')
    .argument('<id>', 'dead letter id')
    .addOption(output())
    .addOption(url())
    .action((id: string, options: Common) => showDeadLetterCommand(new ApiClient(options.url), id, options.output));
  dlq
    .command('replay')
    .description('replay a dead letter from its last good checkpoint, or every one with --all / --workflow')
    .argument('[id]', 'dead letter id')
    .option('--from-step <name>', 're-run from this step instead (it and everything after it run again)')
    .option('--input <json>', 'start a new run with this input instead (JSON, or @file)')
    .option('--all', 'replay every dead letter not replayed yet; exit 1 if any replay failed')
    .option('--workflow <name>', 'replay every dead letter of this workflow not replayed yet')
    .addOption(output())
    .addOption(url())
    .action((id: string | undefined, options: Common & ReplayCommandOptions) =>
      replayDeadLetterCommand(new ApiClient(options.url), id, options),
    );

  const breakers = program.command('breakers').description('the circuit breakers all workers share');
  breakers
    .command('list')
    .description('breakers that have recorded a failure or been opened')
    .addOption(output())
    .addOption(url())
    .action((options: Common) => listBreakersCommand(new ApiClient(options.url), options.output));
  breakers
    .command('reset')
    .description('close a breaker so calls go through again at once')
    .argument('<key>', 'breaker key: the tool name, or tool:key')
    .addOption(output())
    .addOption(url())
    .action((key: string, options: Common) => resetBreakerCommand(new ApiClient(options.url), key, options.output));

  program
    .command('alerts')
    .description('alert rules that fired: firing ones first, then resolved')
    .command('list')
    .description('every alert rule that ever fired, with its state and what it found')
    .addOption(output())
    .addOption(url())
    .action((options: Common) => listAlertsCommand(new ApiClient(options.url), options.output));
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    const message = isVigilError(error)
      ? `${error.message} [${error.code}]`
      : error instanceof Error
        ? error.stack
        : String(error);
    process.stderr.write(`vigil: ${message}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
