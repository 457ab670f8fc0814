#!/usr/bin/env node
/**
 * The `vigil` command line. Process commands (`dev`, `worker`, `server`, `migrate`) run Vigil
 * here; client commands (`start`, `runs …`) talk to a running server over HTTP.
 */
import { Command, Option } from 'commander';

import { isVigilError } from '../core/errors.js';
import { ApiClient, DEFAULT_URL } from './api-client.js';
import { copyCommand } from './commands/copy.js';
import { host, type HostOptions } from './commands/host.js';
import { migrateCommand } from './commands/migrate.js';
import { cancelRunCommand, listRunsCommand, showRunCommand } from './commands/runs.js';
import { startCommand } from './commands/start.js';
import { parseOutputFormat } from './output.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const output = (): Option =>
  new Option('-o, --output <format>', 'table or json').default('table').argParser(parseOutputFormat);
const url = (): Option => new Option('--url <url>', 'where the Vigil API is').env('VIGIL_URL').default(DEFAULT_URL);

function hostCommand(
  program: Command,
  name: string,
  description: string,
  mode: Pick<HostOptions, 'api' | 'worker' | 'banner'>,
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
      .option('--host <host>', 'address to listen on', '127.0.0.1');
  }
  if (mode.worker) {
    command
      .option('--concurrency <n>', 'runs executed at once (default 16)')
      .option('--lease-ttl <ms>', 'lease time-to-live in milliseconds (default 10000)')
      .option('--grace <ms>', 'on SIGTERM, how long in-flight steps may finish (default 10000)');
  }
  command.action((options: Omit<HostOptions, 'api' | 'worker'>) => host({ ...options, ...mode }));
}

export function buildProgram(): Command {
  const program = new Command('vigil').description('Durable execution for long-running AI agents').showHelpAfterError();

  hostCommand(program, 'dev', 'API and worker in one process on SQLite, for development', {
    api: true,
    worker: true,
    banner: ({ url, store, workflows }) =>
      [
        '',
        'Vigil dev is running',
        `  API        ${url}`,
        `  Store      ${store}`,
        `  Workflows  ${workflows.length ? workflows.join(', ') : '(none: pass --load <module>)'}`,
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
    .action((options: { db?: string }) => migrateCommand(options.db));

  program
    .command('copy')
    .description('move the runs of a SQLite store to PostgreSQL (stop the processes using it first)')
    .requiredOption('--from <path>', 'the SQLite file')
    .requiredOption('--to <url>', 'postgres://… (with ?schema= for a schema other than public)')
    .action((options: { from: string; to: string }) => copyCommand(options.from, options.to));

  program
    .command('start')
    .description('start a run of a workflow')
    .argument('<workflow>', 'workflow name')
    .option('--input <json>', 'input as JSON, or @file')
    .option('--wait', 'follow the run until it finishes; exit 1 unless it completed')
    .option('--idempotency-key <key>', 'the same key returns the same run')
    .addOption(output())
    .addOption(url())
    .action((workflow: string, options: { url: string } & Parameters<typeof startCommand>[2]) =>
      startCommand(new ApiClient(options.url), workflow, options),
    );

  const runs = program.command('runs').description('list, show and cancel runs');
  runs
    .command('list')
    .description('runs, newest first')
    .option('--status <status>', 'only runs with this status')
    .option('--workflow <name>', 'only runs of this workflow')
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
  return program;
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
