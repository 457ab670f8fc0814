import { isTerminalStatus, type RunStatus } from '../../core/run-status.js';
import type { RunDetails } from '../../runtime/run-view.js';
import type { ApiClient } from '../api-client.js';
import { readJsonArgument } from '../json-argument.js';
import { formatRunDetails, printJson, type OutputFormat } from '../output.js';

export interface StartCommandOptions {
  input?: string;
  wait?: boolean;
  idempotencyKey?: string;
  output: OutputFormat;
}

/** Reads `--input`: inline JSON, or `@path` for a file of JSON; `{}` when not given. */
export function readInput(value: string | undefined): unknown {
  return value === undefined ? {} : readJsonArgument(value, '--input');
}

/** `vigil start <workflow>`: starts a run, and with `--wait` follows it to the end. */
export async function startCommand(api: ApiClient, workflow: string, options: StartCommandOptions): Promise<void> {
  const input = readInput(options.input);
  const headers: Record<string, string> =
    options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey };
  const started = await api.request<{ id: string; status: RunStatus }>('POST', '/v1/runs', {
    body: { workflow, input },
    headers,
  });
  if (!options.wait) {
    if (options.output === 'json') printJson(started);
    else process.stdout.write(`Started run ${started.id} (${workflow})\n`);
    return;
  }
  if (options.output === 'table') process.stdout.write(`Started run ${started.id} (${workflow}); waiting…\n`);
  let run: RunDetails;
  for (;;) {
    run = await api.request<RunDetails>('GET', `/v1/runs/${started.id}`);
    if (isTerminalStatus(run.status)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (options.output === 'json') printJson(run);
  else process.stdout.write(`${formatRunDetails(run)}\n`);
  if (run.status !== 'completed' && run.status !== 'completed_partial') process.exitCode = 1;
}
