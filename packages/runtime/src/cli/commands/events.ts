import type { EventDetails, EventView, SendResult } from '../../runtime/event-client.js';
import type { ApiClient } from '../api-client.js';
import { readJsonArgument } from '../json-argument.js';
import { formatTable, printJson, type OutputFormat } from '../output.js';

export interface SendEventCommandOptions {
  payload?: string;
  id?: string;
  output: OutputFormat;
}

/** `vigil events send <name>`: starts the workflows triggered on it and wakes runs waiting for it. */
export async function sendEventCommand(api: ApiClient, name: string, options: SendEventCommandOptions): Promise<void> {
  const body = {
    name,
    ...(options.payload === undefined ? {} : { payload: readJsonArgument(options.payload, '--payload') }),
    ...(options.id === undefined ? {} : { id: options.id }),
  };
  const result = await api.request<SendResult>('POST', '/v1/events', { body });
  if (options.output === 'json') return printJson(result);
  const what = result.created ? 'Received' : 'Already received';
  const started = result.runs.length === 0 ? 'started no run' : `started ${result.runs.join(', ')}`;
  process.stdout.write(`${what} event ${result.event.id} (${result.event.name}); ${started}; woke ${result.woke}\n`);
}

export async function listEventsCommand(
  api: ApiClient,
  options: { name?: string; limit?: string; cursor?: string; output: OutputFormat },
): Promise<void> {
  const query = new URLSearchParams();
  for (const key of ['name', 'limit', 'cursor'] as const) {
    const value = options[key];
    if (value !== undefined) query.set(key, value);
  }
  const list = await api.request<{ events: EventView[]; nextCursor: string | null }>(
    'GET',
    `/v1/events${query.size ? `?${query.toString()}` : ''}`,
  );
  if (options.output === 'json') return printJson(list);
  if (list.events.length === 0) process.stdout.write('No events.\n');
  else {
    const rows = list.events.map((e) => [e.id, e.name, e.source, e.receivedAt, e.dispatchedAt ? 'yes' : 'no']);
    process.stdout.write(`${formatTable([['ID', 'NAME', 'SOURCE', 'RECEIVED', 'DISPATCHED'], ...rows])}\n`);
  }
  if (list.nextCursor) process.stdout.write(`More: --cursor ${list.nextCursor}\n`);
}

export async function showEventCommand(api: ApiClient, id: string, output: OutputFormat): Promise<void> {
  const event = await api.request<EventDetails>('GET', `/v1/events/${encodeURIComponent(id)}`);
  if (output === 'json') return printJson(event);
  const lines = [
    `Event     ${event.id}`,
    `Name      ${event.name}`,
    `Source    ${event.source}${event.dedupeId ? ` (id ${event.dedupeId})` : ''}`,
    `Received  ${event.receivedAt}`,
    `Payload   ${JSON.stringify(event.payload)}`,
  ];
  for (const d of event.deliveries) {
    lines.push(d.kind === 'started' ? `Started   ${d.runId}` : `Received by ${d.runId} at step ${d.seq ?? '?'}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
