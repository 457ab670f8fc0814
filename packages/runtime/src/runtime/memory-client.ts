import { validateAgentName } from '../core/budget.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Store } from '../store/store.js';

/** One key of an agent's memory, as the API and CLI show it. */
export interface MemoryEntryView {
  key: string;
  value: unknown;
  /** Counts the writes to this key (a delete counts too). */
  version: number;
  /** The step that wrote it last: `<runId>:<seq>`. */
  writer: string;
  updatedAt: string;
  /** False when the stored value failed its checksum; `value` is then null. */
  intact: boolean;
}

export interface MemoryPage {
  agent: string;
  entries: MemoryEntryView[];
  /** Pass as `after` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** Reads what agents remember (`ctx.memory.agent()`), for `GET /v1/agents/:name/memory`. */
export class MemoryClient {
  constructor(private readonly store: Store) {}

  /** The agent's live keys in key order, `limit` (1–500, default 100) at a time after `after`. */
  async list(agent: string, options: { limit?: number; after?: string } = {}): Promise<MemoryPage> {
    validateAgentName(agent, 'Agent name');
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new InvalidArgumentError(`limit must be an integer from 1 to 500; got ${limit}`, { path: 'limit' });
    }
    const rows = await this.store.memory.list(agent, {
      limit: limit + 1,
      ...(options.after ? { after: options.after } : {}),
    });
    const page = rows.slice(0, limit);
    return {
      agent,
      entries: page.map((row) => ({
        key: row.key,
        // A damaged value is never shown as if it were the value: it is null, and `intact` says why.
        value: row.intact ? (JSON.parse(row.value ?? 'null') as unknown) : null,
        intact: row.intact,
        version: row.version,
        writer: row.writer,
        updatedAt: new Date(row.updatedAt).toISOString(),
      })),
      nextCursor: rows.length > limit ? page.at(-1)!.key : null,
    };
  }
}
