import { InvalidArgumentError, isVigilError } from '../../core/errors.js';
import type { ReplayResult } from '../../runtime/dead-letter-client.js';
import type { DeadLetterView } from '../../runtime/operator-views.js';
import type { ApiClient } from '../api-client.js';
import { readJsonArgument } from '../json-argument.js';
import { formatDeadLetter, formatDeadLetterList, formatReplay } from '../operator-output.js';
import { printJson, type OutputFormat } from '../output.js';

interface DeadLetterList {
  deadLetters: DeadLetterView[];
  nextCursor: string | null;
}

export interface ListDeadLettersCommandOptions {
  workflow?: string;
  allHistory?: boolean;
  limit?: string;
  cursor?: string;
  output: OutputFormat;
}

export async function listDeadLettersCommand(api: ApiClient, options: ListDeadLettersCommandOptions): Promise<void> {
  const list = await api.request<DeadLetterList>(
    'GET',
    deadLettersPath({ ...options, includeReplayed: options.allHistory === true }),
  );
  if (options.output === 'json') return printJson(list);
  process.stdout.write(`${formatDeadLetterList(list.deadLetters)}\n`);
  if (list.nextCursor) process.stdout.write(`More: --cursor ${list.nextCursor}\n`);
}

export async function showDeadLetterCommand(api: ApiClient, id: string, output: OutputFormat): Promise<void> {
  const letter = await api.request<DeadLetterView>('GET', `/v1/dead-letters/${encodeURIComponent(id)}`);
  if (output === 'json') printJson(letter);
  else process.stdout.write(`${formatDeadLetter(letter)}\n`);
}

export interface ReplayCommandOptions {
  fromStep?: string;
  input?: string;
  all?: boolean;
  workflow?: string;
  output: OutputFormat;
}

/**
 * `vigil dlq replay <id>` replays one dead letter; `--all` or `--workflow <name>` replays every
 * one not replayed yet, page by page, going on past failures and exiting 1 if any failed.
 */
export async function replayDeadLetterCommand(
  api: ApiClient,
  id: string | undefined,
  options: ReplayCommandOptions,
): Promise<void> {
  const many = options.all === true || options.workflow !== undefined;
  if (id !== undefined && many) {
    throw new InvalidArgumentError('Give one dead letter id, or --all / --workflow <name> to replay many; not both');
  }
  if (id === undefined && !many) {
    throw new InvalidArgumentError('Say what to replay: a dead letter id, --all, or --workflow <name>');
  }
  if (options.fromStep !== undefined && options.input !== undefined) {
    throw new InvalidArgumentError('--from-step (re-run the same run) and --input (a new run) cannot be combined');
  }
  if (many && options.input !== undefined) {
    throw new InvalidArgumentError('--input applies to one dead letter: give its id');
  }
  const body = {
    ...(options.fromStep === undefined ? {} : { fromStep: options.fromStep }),
    ...(options.input === undefined ? {} : { input: readJsonArgument(options.input, '--input') }),
  };
  if (id !== undefined) {
    const result = await replay(api, id, body);
    if (options.output === 'json') printJson(result);
    else process.stdout.write(`${formatReplay(result)}\n`);
    return;
  }
  await replayMany(api, options, body);
}

async function replayMany(api: ApiClient, options: ReplayCommandOptions, body: { fromStep?: string }): Promise<void> {
  const replayed: ReplayResult[] = [];
  const failed: Array<{ deadLetterId: string; runId: string; code: string; message: string }> = [];
  let cursor: string | undefined;
  do {
    // Pages go backwards by id, so dead letters written meanwhile (a replay that failed again)
    // are not picked up by this pass.
    const page = await api.request<DeadLetterList>('GET', deadLettersPath({ workflow: options.workflow, cursor }));
    for (const letter of page.deadLetters) {
      try {
        const result = await replay(api, letter.id, body);
        replayed.push(result);
        if (options.output === 'table') process.stdout.write(`${formatReplay(result)}\n`);
      } catch (error) {
        if (!isVigilError(error)) throw error;
        failed.push({ deadLetterId: letter.id, runId: letter.runId, code: error.code, message: error.message });
        if (options.output === 'table') {
          process.stderr.write(
            `vigil: dead letter ${letter.id} (run ${letter.runId}): ${error.message} [${error.code}]\n`,
          );
        }
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  if (failed.length > 0) process.exitCode = 1;
  if (options.output === 'json') return printJson({ replayed, failed });
  const total = replayed.length + failed.length;
  process.stdout.write(
    total === 0
      ? 'No dead letters to replay.\n'
      : `Replayed ${replayed.length} of ${total} dead letter${total === 1 ? '' : 's'}${failed.length ? `; ${failed.length} failed` : ''}\n`,
  );
}

function replay(api: ApiClient, id: string, body: object): Promise<ReplayResult> {
  return api.request<ReplayResult>('POST', `/v1/dead-letters/${encodeURIComponent(id)}/replay`, { body });
}

function deadLettersPath(options: {
  workflow?: string | undefined;
  includeReplayed?: boolean;
  limit?: string | undefined;
  cursor?: string | undefined;
}): string {
  const query = new URLSearchParams();
  if (options.workflow !== undefined) query.set('workflow', options.workflow);
  if (options.includeReplayed) query.set('includeReplayed', 'true');
  if (options.limit !== undefined) query.set('limit', options.limit);
  if (options.cursor !== undefined) query.set('cursor', options.cursor);
  return `/v1/dead-letters${query.size ? `?${query.toString()}` : ''}`;
}
