import { InvalidArgumentError, NotFoundError } from '../core/errors.js';
import type { StepLogLevel } from '../store/step-log-store.js';
import type { Store } from '../store/store.js';

/** One stored line of a run, as the API and dashboard show it. */
export interface RunLogLine {
  /** When it was logged (ISO 8601). */
  at: string;
  level: StepLogLevel;
  msg: string;
  /** The step's sequence number; 0 for the workflow code's own lines (outside any step). */
  seq: number;
  /** The step's name; null outside any step. */
  step: string | null;
  /** The attempt that logged it; null outside any step. */
  attempt: number | null;
  /** The line's fields, redacted by the audit trail's rules before they were stored. */
  fields: Record<string, unknown>;
}

export interface RunLogPage {
  logs: RunLogLine[];
  /** Pass as `after` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface RunLogQuery {
  /** Only this step's lines (0: the workflow code's own). */
  seq?: number;
  /** 1–1000, default 500. */
  limit?: number;
  after?: string;
}

/** Reads the lines a run's code logged, for `GET /v1/runs/:id/logs`. */
export class RunLogClient {
  constructor(
    private readonly deps: {
      store: Store;
      /** Stores the lines this process still holds, so a reader here sees them at once. */
      flush: () => Promise<void>;
    },
  ) {}

  /** The run's lines in the order they were logged, all or one step's, `limit` at a time after `after`. */
  async list(runId: string, query: RunLogQuery = {}): Promise<RunLogPage> {
    const limit = query.limit ?? 500;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new InvalidArgumentError(`limit must be an integer from 1 to 1000; got ${limit}`, { path: 'limit' });
    }
    const seq = query.seq;
    if (seq !== undefined && (!Number.isSafeInteger(seq) || seq < 0)) {
      throw new InvalidArgumentError(`seq must be a step's sequence number (0 or more); got ${seq}`, { path: 'seq' });
    }
    const after = query.after === undefined ? undefined : Number(query.after);
    if (after !== undefined && (!Number.isSafeInteger(after) || after < 0)) {
      throw new InvalidArgumentError(`after must be a cursor from a previous page; got ${query.after}`, {
        path: 'after',
      });
    }
    const { store, flush } = this.deps;
    if (!(await store.runs.get(runId)))
      throw new NotFoundError('run_not_found', `No run with id ${runId}`, { path: 'id' });
    await flush();
    const rows = await store.stepLogs.list(runId, {
      limit: limit + 1,
      ...(seq === undefined ? {} : { seq }),
      ...(after === undefined ? {} : { after }),
    });
    const page = rows.slice(0, limit);
    return {
      logs: page.map((row) => ({
        at: new Date(row.at).toISOString(),
        level: row.level,
        msg: row.msg,
        seq: row.seq,
        step: row.step,
        attempt: row.attempt,
        fields: JSON.parse(row.fields) as Record<string, unknown>,
      })),
      nextCursor: rows.length > limit ? String(page.at(-1)!.id) : null,
    };
  }
}
