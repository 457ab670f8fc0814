import { isTerminalStatus, type RunStatus } from '../../core/run-status.js';
import type { RunDetails } from '../../runtime/run-view.js';
import type { ApiClient } from '../api-client.js';
import { readJsonArgument } from '../json-argument.js';
import { formatRunDetails, printJson, type OutputFormat } from '../output.js';

export interface StartCommandOptions {
  input?: string;
  wait?: boolean;
  idempotencyKey?: string;
  /** Seconds (0–600), as typed; the server checks it. */
  priority?: string;
  output: OutputFormat;
}

/** Reads `--input`: inline JSON, or `@path` for a file of JSON; `{}` when not given. */
export function readInput(value: string | undefined): unknown {
  return value === undefined ? {} : readJsonArgument(value, '--input');
}

/** `--priority 30` is sent as the number 30; anything else as typed, for the server to name what is wrong. */
function readPriority(value: string): number | string {
  return /^\d+$/.test(value.trim()) ? Number(value) : value;
}

/** `vigil start <workflow>`: starts a run, and with `--wait` follows it to the end. */
export async function startCommand(api: ApiClient, workflow: string, options: StartCommandOptions): Promise<void> {
  const input = readInput(options.input);
  const headers: Record<string, string> =
    options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey };
  const started = await api.request<{ id: string; status: RunStatus }>('POST', '/v1/runs', {
    body: { workflow, input, ...(options.priority === undefined ? {} : { priority: readPriority(options.priority) }) },
    headers,
  });
  if (!options.wait) {
    if (options.output === 'json') printJson(started);
    else process.stdout.write(`Started run ${started.id} (${workflow})\n`);
    return;
  }
  if (options.output === 'table') process.stdout.write(`Started run ${started.id} (${workflow}); waiting…\n`);
  let run: RunDetails;
  let shown = '';
  for (;;) {
    run = await api.request<RunDetails>('GET', `/v1/runs/${started.id}`);
    if (isTerminalStatus(run.status)) break;
    // The progress line (with its ETA) each time it changes, so a long run shows where it is.
    if (options.output === 'table' && run.progress.summary !== shown) {
      shown = run.progress.summary;
      process.stdout.write(`  ${shown}\n`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (options.output === 'json') printJson(run);
  else process.stdout.write(`${formatRunDetails(run)}\n`);
  if (run.status !== 'completed' && run.status !== 'completed_partial') process.exitCode = 1;
}
