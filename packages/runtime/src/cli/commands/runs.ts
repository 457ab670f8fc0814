import type { RunDetails, RunSummary } from '../../runtime/run-view.js';
import type { RunList } from '../../runtime/client.js';
import type { ReplayRunResult } from '../../runtime/run-replay.js';
import { InvalidArgumentError } from '../../core/errors.js';
import type { ApiClient } from '../api-client.js';
import { formatRunDetails, formatRunList, printJson, type OutputFormat } from '../output.js';

export interface ListCommandOptions {
  status?: string;
  workflow?: string;
  from?: string;
  to?: string;
  search?: string;
  limit?: string;
  cursor?: string;
  output: OutputFormat;
}

export async function listRunsCommand(api: ApiClient, options: ListCommandOptions): Promise<void> {
  const query = new URLSearchParams();
  for (const key of ['status', 'workflow', 'from', 'to', 'limit', 'cursor'] as const) {
    const value = options[key];
    if (value !== undefined) query.set(key, value);
  }
  if (options.search !== undefined) query.set('q', options.search);
  const list = await api.request<RunList>('GET', `/v1/runs${query.size ? `?${query.toString()}` : ''}`);
  if (options.output === 'json') return printJson(list);
  process.stdout.write(`${formatRunList(list.runs)}\n`);
  if (list.nextCursor) process.stdout.write(`More: --cursor ${list.nextCursor}\n`);
}

export async function showRunCommand(api: ApiClient, id: string, output: OutputFormat): Promise<void> {
  const run = await api.request<RunDetails>('GET', `/v1/runs/${encodeURIComponent(id)}`);
  if (output === 'json') printJson(run);
  else process.stdout.write(`${formatRunDetails(run)}\n`);
}

export async function cancelRunCommand(api: ApiClient, id: string, output: OutputFormat): Promise<void> {
  const run = await api.request<RunSummary>('POST', `/v1/runs/${encodeURIComponent(id)}/cancel`);
  if (output === 'json') printJson(run);
  else process.stdout.write(`Run ${run.id} is ${run.status}\n`);
}

/** `vigil runs replay <id> [--from-seq n]`: a new run of the same workflow version with the same input. */
export async function replayRunCommand(
  api: ApiClient,
  id: string,
  options: { fromSeq?: string; output: OutputFormat },
): Promise<void> {
  let body: { fromSeq?: number } = {};
  if (options.fromSeq !== undefined) {
    // Steps are numbered from 1: 0 would reach the server and come back named by its field, `fromSeq`.
    if (!/^[1-9]\d*$/.test(options.fromSeq))
      throw new InvalidArgumentError(`--from-seq takes a step number, from 1; got ${options.fromSeq}`);
    body = { fromSeq: Number(options.fromSeq) };
  }
  const result = await api.request<ReplayRunResult>('POST', `/v1/runs/${encodeURIComponent(id)}/replay`, { body });
  if (options.output === 'json') return printJson(result);
  const from =
    result.fromSeq === null ? 'from the top' : `from step ${result.fromSeq} (earlier steps keep their results)`;
  process.stdout.write(`Run ${result.id} replays ${result.replayOf} ${from}\n`);
}
