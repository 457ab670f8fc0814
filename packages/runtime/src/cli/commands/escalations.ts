import { InvalidArgumentError } from '../../core/errors.js';
import type { EscalationView } from '../../runtime/operator-views.js';
import type { ApiClient } from '../api-client.js';
import { readJsonArgument } from '../json-argument.js';
import { formatEscalation, formatEscalationList } from '../operator-output.js';
import { printJson, type OutputFormat } from '../output.js';

export interface ListEscalationsCommandOptions {
  status?: string;
  run?: string;
  assignee?: string;
  limit?: string;
  cursor?: string;
  output: OutputFormat;
}

export async function listEscalationsCommand(api: ApiClient, options: ListEscalationsCommandOptions): Promise<void> {
  const query = new URLSearchParams();
  const params = { status: options.status, runId: options.run, assignee: options.assignee };
  for (const [key, value] of Object.entries({ ...params, limit: options.limit, cursor: options.cursor })) {
    if (value !== undefined) query.set(key, value);
  }
  const list = await api.request<{ escalations: EscalationView[]; nextCursor: string | null }>(
    'GET',
    `/v1/escalations${query.size ? `?${query.toString()}` : ''}`,
  );
  if (options.output === 'json') return printJson(list);
  process.stdout.write(`${formatEscalationList(list.escalations)}\n`);
  if (list.nextCursor) process.stdout.write(`More: --cursor ${list.nextCursor}\n`);
}

export async function showEscalationCommand(api: ApiClient, id: string, output: OutputFormat): Promise<void> {
  const escalation = await api.request<EscalationView>('GET', `/v1/escalations/${encodeURIComponent(id)}`);
  if (output === 'json') printJson(escalation);
  else process.stdout.write(`${formatEscalation(escalation, Date.now())}\n`);
}

export interface ResolveCommandOptions {
  decision: string;
  value?: string;
  note?: string;
  output: OutputFormat;
}

/** `vigil escalations resolve <id> --decision …`: records the decision; a waiting run resumes with it. */
export async function resolveEscalationCommand(
  api: ApiClient,
  id: string,
  options: ResolveCommandOptions,
): Promise<void> {
  if (options.decision === 'provide' && options.value === undefined) {
    throw new InvalidArgumentError(
      '--decision provide needs --value <json> (or @file): the result the step should have',
    );
  }
  const body = {
    decision: options.decision,
    ...(options.value === undefined ? {} : { value: readJsonArgument(options.value, '--value') }),
    ...(options.note === undefined ? {} : { note: options.note }),
  };
  const escalation = await api.request<EscalationView>('POST', `/v1/escalations/${encodeURIComponent(id)}/resolve`, {
    body,
  });
  if (options.output === 'json') return printJson(escalation);
  const run = !escalation.blocking
    ? ''
    : escalation.decision === 'abort'
      ? `; run ${escalation.runId} ends failed`
      : `; run ${escalation.runId} resumes`;
  process.stdout.write(`Escalation ${escalation.id} resolved: ${escalation.decision ?? options.decision}${run}\n`);
}
