// Vigil on SQLite (a file in the adapter's directory, WAL, synchronous=FULL) and on PostgreSQL
// (the adapter's own database, the store's default pool of 10): the built package with its
// defaults and an in-process worker. A workflow is `start()` and then `result()`, as a caller would.
// The PostgreSQL counting helpers (and with them `pg`, which Vigil on SQLite never loads) are
// imported by the PostgreSQL system alone, so the SQLite process's memory is Vigil's own.
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import { createVigil, defineWorkflow, type Vigil } from 'vigil';
import { z } from 'zod';

import type { AdapterPlace, PeerAdapter, RecordedWork, SystemName } from './adapter.js';
import { STEPS, stepWork } from './work.js';

const peerSteps = defineWorkflow(
  { name: 'peers.ten-steps', version: 1, input: z.object({ run: z.number().int() }) },
  async (ctx, input) => {
    let value = '';
    for (let step = 1; step <= STEPS; step++) {
      const previous = value;
      value = await ctx.step(`step-${step}`, () => stepWork(input.run, step, previous));
    }
    return value;
  },
);

const COUNT_SQL = {
  workflows: `SELECT count(*) AS n FROM runs WHERE status = 'completed'`,
  steps: `SELECT count(*) AS n FROM steps WHERE status = 'completed'`,
};

class VigilAdapter implements PeerAdapter {
  constructor(
    readonly name: SystemName,
    private readonly vigil: Vigil,
    private readonly count: (sql: string) => Promise<number>,
    /** The server's durability settings, or null on SQLite. */
    private readonly serverDurability: (() => Promise<string>) | null = null,
  ) {}

  async runWorkflow(run: number): Promise<string> {
    const { id } = await this.vigil.start(peerSteps, { run });
    return await this.vigil.result<string>(id);
  }

  async recorded(): Promise<RecordedWork> {
    return { workflows: await this.count(COUNT_SQL.workflows), steps: await this.count(COUNT_SQL.steps) };
  }

  async durability(): Promise<string> {
    const store = this.vigil.store.describe();
    return this.serverDurability === null ? store : `${store}, ${await this.serverDurability()}`;
  }

  async close(): Promise<void> {
    await this.vigil.close();
  }
}

export async function openVigilSqlite(place: AdapterPlace): Promise<PeerAdapter> {
  const path = join(place.dir, 'vigil.db');
  const vigil = createVigil({ database: path, workflows: [peerSteps], worker: { concurrency: place.concurrency } });
  await vigil.ready();
  const count = (sql: string): Promise<number> => {
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      return Promise.resolve(db.prepare(sql).pluck().get() as number);
    } finally {
      db.close();
    }
  };
  return new VigilAdapter('vigil-sqlite', vigil, count);
}

export async function openVigilPostgres(place: AdapterPlace): Promise<PeerAdapter> {
  const { countRows, serverDurability } = await import('./pg-count.js');
  const vigil = createVigil({
    database: place.databaseUrl,
    workflows: [peerSteps],
    worker: { concurrency: place.concurrency },
  });
  await vigil.ready();
  return new VigilAdapter(
    'vigil-postgres',
    vigil,
    (sql) => countRows(place.databaseUrl, sql),
    () => serverDurability(place.databaseUrl),
  );
}
