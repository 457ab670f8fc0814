import { InvalidArgumentError } from '../core/errors.js';
import { isRunStatus, type RunStatus } from '../core/run-status.js';
import type { RunFilter } from '../store/run-store.js';
import type { ListRunsOptions } from './client.js';

const MAX_SEARCH_LENGTH = 200;

/**
 * Checks the filters of a run list and turns them into the store's terms (cursor and limit
 * aside). Each bad value is an `InvalidArgumentError` naming its parameter.
 */
export function runFilterOf(options: ListRunsOptions): Omit<RunFilter, 'limit'> {
  const filter: Omit<RunFilter, 'limit'> = {};
  if (options.status !== undefined) {
    const statuses = options.status.split(',').map((s) => s.trim());
    const unknown = statuses.find((s) => !isRunStatus(s));
    if (unknown !== undefined) {
      throw new InvalidArgumentError(`Unknown run status ${JSON.stringify(unknown)}`, { path: 'status' });
    }
    filter.statuses = statuses as RunStatus[];
  }
  if (options.workflow !== undefined) filter.workflow = options.workflow;
  if (options.from !== undefined) filter.createdFrom = isoTime(options.from, 'from');
  if (options.to !== undefined) filter.createdTo = isoTime(options.to, 'to');
  if (options.q !== undefined) {
    const q = options.q.trim();
    if (q.length > MAX_SEARCH_LENGTH) {
      throw new InvalidArgumentError(`q is at most ${MAX_SEARCH_LENGTH} characters`, { path: 'q' });
    }
    if (q.length > 0) filter.search = q;
  }
  return filter;
}

function isoTime(text: string, path: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidArgumentError(
      `${path} must be an ISO 8601 time such as 2026-01-31T09:00:00Z; got ${JSON.stringify(text)}`,
      {
        path,
      },
    );
  }
  return ms;
}
