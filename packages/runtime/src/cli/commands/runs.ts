import type { RunDetails, RunSummary } from '../../runtime/run-view.js';
import type { RunList } from '../../runtime/client.js';
import type { ApiClient } from '../api-client.js';
import { formatRunDetails, formatRunList, printJson, type OutputFormat } from '../output.js';

export interface ListCommandOptions {
  status?: string;
  workflow?: string;
  limit?: string;
  cursor?: string;
  output: OutputFormat;
}

export async function listRunsCommand(api: ApiClient, options: ListCommandOptions): Promise<void> {
  const query = new URLSearchParams();
  for (const key of ['status', 'workflow', 'limit', 'cursor'] as const) {
    const value = options[key];
    if (value !== undefined) query.set(key, value);
  }
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
