import type { Command, Option } from 'commander';

import type { ScheduleView } from '../../runtime/operator-views.js';
import { ApiClient } from '../api-client.js';
import { readJsonArgument } from '../json-argument.js';
import { humanDuration } from '../operator-output.js';
import { formatTable, printJson, type OutputFormat } from '../output.js';

type Common = { url: string; output: OutputFormat };

export interface AddScheduleCommandOptions {
  workflow: string;
  cron: string;
  id?: string;
  timezone?: string;
  jitter?: string;
  overlap?: string;
  catchUp?: string;
  catchUpWindow?: string;
  input?: string;
  output: OutputFormat;
}

/** `vigil schedules add --workflow … --cron …`: the server checks the expression and the input. */
export async function addScheduleCommand(api: ApiClient, options: AddScheduleCommandOptions): Promise<void> {
  const body = {
    workflow: options.workflow,
    cron: options.cron,
    ...(options.id === undefined ? {} : { id: options.id }),
    ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
    ...(options.jitter === undefined ? {} : { jitter: durationArgument(options.jitter) }),
    ...(options.overlap === undefined ? {} : { overlap: options.overlap }),
    ...(options.catchUp === undefined ? {} : { catchUp: options.catchUp }),
    ...(options.catchUpWindow === undefined ? {} : { catchUpWindow: durationArgument(options.catchUpWindow) }),
    ...(options.input === undefined ? {} : { input: readJsonArgument(options.input, '--input') }),
  };
  const schedule = await api.request<ScheduleView>('POST', '/v1/schedules', { body });
  if (options.output === 'json') return printJson(schedule);
  const next = schedule.nextFireAt ? `next run at ${schedule.nextFireAt}` : 'the expression never fires';
  process.stdout.write(
    `Added schedule ${schedule.id}: ${schedule.workflow} at "${schedule.cron}" (${schedule.timezone}); ${next}\n`,
  );
}

export async function listSchedulesCommand(
  api: ApiClient,
  options: { workflow?: string; limit?: string; cursor?: string; output: OutputFormat },
): Promise<void> {
  const query = new URLSearchParams();
  for (const key of ['workflow', 'limit', 'cursor'] as const) {
    const value = options[key];
    if (value !== undefined) query.set(key, value);
  }
  const list = await api.request<{ schedules: ScheduleView[]; nextCursor: string | null }>(
    'GET',
    `/v1/schedules${query.size ? `?${query.toString()}` : ''}`,
  );
  if (options.output === 'json') return printJson(list);
  if (list.schedules.length === 0) process.stdout.write('No schedules.\n');
  else {
    const rows = list.schedules.map((s) => [
      s.id,
      s.workflow,
      s.cron,
      s.timezone,
      s.paused ? 'paused' : 'active',
      s.nextFireAt ?? '-',
      s.lastSlotAt ?? '-',
      s.origin,
    ]);
    process.stdout.write(
      `${formatTable([['ID', 'WORKFLOW', 'CRON', 'TIMEZONE', 'STATE', 'NEXT RUN', 'LAST SLOT', 'FROM'], ...rows])}\n`,
    );
  }
  if (list.nextCursor) process.stdout.write(`More: --cursor ${list.nextCursor}\n`);
}

export async function showScheduleCommand(api: ApiClient, id: string, output: OutputFormat): Promise<void> {
  const s = await api.request<ScheduleView>('GET', path(id));
  if (output === 'json') return printJson(s);
  const lines = [
    `Schedule    ${s.id} (${s.origin === 'workflow' ? 'declared by the workflow' : 'added through the API'})`,
    `Workflow    ${s.workflow}`,
    `Cron        ${s.cron} (${s.timezone})${s.jitterMs > 0 ? `, jitter up to ${humanDuration(s.jitterMs)}` : ''}`,
    `Overlap     ${s.overlap}`,
    `Catch-up    ${s.catchUp}${s.catchUp === 'none' ? '' : ` within ${humanDuration(s.catchUpWindowMs)}`}`,
    `Input       ${JSON.stringify(s.input)}`,
    `State       ${s.paused ? 'paused' : 'active'}`,
    `Next run    ${s.nextFireAt ? `${s.nextFireAt} (slot ${s.nextSlotAt})` : '-'}`,
  ];
  if (s.bufferedSlotAt) lines.push(`Held slot   ${s.bufferedSlotAt} (fires when the last run finishes)`);
  lines.push(`Last slot   ${s.lastSlotAt ? `${s.lastSlotAt}, run ${s.lastRunId ?? '?'}` : '-'}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function changeCommand(api: ApiClient, id: string, action: 'pause' | 'resume', output: OutputFormat) {
  const s = await api.request<ScheduleView>('POST', `${path(id)}/${action}`);
  if (output === 'json') return printJson(s);
  const next = s.nextFireAt ? `; next run at ${s.nextFireAt}` : '';
  process.stdout.write(`${action === 'pause' ? 'Paused' : 'Resumed'} schedule ${s.id}${next}\n`);
}

export async function removeScheduleCommand(api: ApiClient, id: string, output: OutputFormat): Promise<void> {
  const s = await api.request<ScheduleView>('DELETE', path(id));
  if (output === 'json') printJson(s);
  else process.stdout.write(`Removed schedule ${s.id}\n`);
}

/** `vigil schedules trigger <id>`: a run now, with the schedule's input; the schedule itself does not move. */
export async function triggerScheduleCommand(api: ApiClient, id: string, output: OutputFormat): Promise<void> {
  const run = await api.request<{ id: string; status: string }>('POST', `${path(id)}/trigger`);
  if (output === 'json') printJson(run);
  else process.stdout.write(`Started run ${run.id} from schedule ${id}\n`);
}

/** Registers `vigil schedules list|show|add|pause|resume|remove|trigger`. */
export function registerScheduleCommands(program: Command, output: () => Option, url: () => Option): void {
  const schedules = program.command('schedules').description('cron schedules that start runs');
  const withCommon = (command: Command): Command => command.addOption(output()).addOption(url());
  withCommon(
    schedules
      .command('list')
      .description('schedules, newest first')
      .option('--workflow <name>', 'only schedules of this workflow')
      .option('--limit <n>', 'how many (1–500, default 50)')
      .option('--cursor <cursor>', 'the next page, from a previous list'),
  ).action((options: Common & { workflow?: string; limit?: string; cursor?: string }) =>
    listSchedulesCommand(new ApiClient(options.url), options),
  );
  withCommon(schedules.command('show').description('a schedule and where it stands').argument('<id>')).action(
    (id: string, options: Common) => showScheduleCommand(new ApiClient(options.url), id, options.output),
  );
  withCommon(
    schedules
      .command('add')
      .description('add a schedule; it fires from its first slot after now')
      .requiredOption('--workflow <name>', 'the workflow it starts')
      .requiredOption('--cron <expression>', 'five fields, six with seconds first, or @hourly, @daily, …')
      .option('--id <id>', 'its id (default: generated)')
      .option('--timezone <zone>', 'IANA time zone the expression is read in (default UTC)')
      .option('--jitter <duration>', 'fire each slot up to this much later, e.g. 30s (default 0)')
      .option('--overlap <policy>', 'skip, buffer-one or allow: a slot due while the last run goes on (default skip)')
      .option('--catch-up <policy>', 'none, latest or all: slots missed while no scheduler ran (default latest)')
      .option('--catch-up-window <duration>', 'how late a missed slot may still fire (default 24h)')
      .option('--input <json>', 'the input of each run, as JSON or @file (default {})'),
  ).action((options: Common & AddScheduleCommandOptions) => addScheduleCommand(new ApiClient(options.url), options));
  for (const [action, description] of [
    ['pause', 'stop firing it until resumed'],
    ['resume', 'fire it again from its next slot after now (slots of the pause are not caught up)'],
  ] as const) {
    withCommon(schedules.command(action).description(description).argument('<id>')).action(
      (id: string, options: Common) => changeCommand(new ApiClient(options.url), id, action, options.output),
    );
  }
  withCommon(
    schedules.command('remove').description('remove a schedule added through the API or the CLI').argument('<id>'),
  ).action((id: string, options: Common) => removeScheduleCommand(new ApiClient(options.url), id, options.output));
  withCommon(
    schedules.command('trigger').description("start a run now with the schedule's input").argument('<id>'),
  ).action((id: string, options: Common) => triggerScheduleCommand(new ApiClient(options.url), id, options.output));
}

function path(id: string): string {
  return `/v1/schedules/${encodeURIComponent(id)}`;
}

/** A duration as given on the command line: `30s`, `2h`, or milliseconds. */
function durationArgument(value: string): string | number {
  return /^\d+$/.test(value.trim()) ? Number(value) : value;
}
