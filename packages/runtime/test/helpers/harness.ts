import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { inject } from 'vitest';

import { createVigil, type Vigil, type VigilOptions } from '../../src/compose.js';
import type { Clock } from '../../src/core/clock.js';
import { isTerminalStatus } from '../../src/core/run-status.js';
import type { AnyWorkflow } from '../../src/core/workflow.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { FakeClock, settle } from '../../src/testing/fake-clock.js';

export type Dialect = 'sqlite' | 'postgres';
export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

/**
 * One database — a SQLite file in a temp directory, or a fresh schema on the test run's
 * PostgreSQL — a FakeClock, and any number of Vigil instances on it, each with its own
 * connection, as separate workers would have.
 */
export class Harness {
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
  readonly path = join(this.dir, 'vigil.db');
  readonly clock = new FakeClock();
  readonly schema = `h_${randomBytes(5).toString('hex')}`;
  private readonly instances: Vigil[] = [];
  private readonly stores: Store[] = [];
  private admin: pg.Pool | undefined;

  constructor(readonly dialect: Dialect = 'sqlite') {}

  /** The database setting for the shared database, as `openStore` and `corruptCheckpoint` take it. */
  get database(): string {
    if (this.dialect === 'sqlite') return this.path;
    const url = new URL(inject('postgresUrl'));
    url.searchParams.set('schema', this.schema);
    return url.toString();
  }

  /** A new connection to the shared database. */
  store(clock: Clock = this.clock): Store {
    const store =
      this.dialect === 'sqlite'
        ? new SqliteStore({ path: this.path, clock })
        : new PostgresStore({ url: inject('postgresUrl'), schema: this.schema, clock });
    this.stores.push(store);
    return store;
  }

  /**
   * A Vigil on the shared database. `clock` defaults to the shared FakeClock. Its scheduler looks
   * for due schedules once a minute unless told otherwise: a FakeClock fires every timer it passes,
   * and the default 250 ms would make a jump of two days 700,000 passes.
   */
  vigil(
    workflows: AnyWorkflow[],
    options: Omit<VigilOptions, 'database' | 'workflows'> & { clock?: Clock } = {},
  ): Vigil {
    const { clock = this.clock, scheduler = { tickMs: 60_000 }, ...rest } = options;
    const vigil = createVigil({ database: this.store(clock), workflows, scheduler, ...rest });
    this.instances.push(vigil);
    return vigil;
  }

  /** Runs SQL behind the store's back (to inspect, or to damage a checkpoint as a bad disk would). */
  async sql(text: string, params: unknown[] = []): Promise<unknown[]> {
    if (this.dialect === 'sqlite') {
      const db = new BetterSqlite3(this.path);
      try {
        const statement = db.prepare(text.replace(/\$\d+/g, '?'));
        if (statement.reader) return statement.all(...params);
        statement.run(...params);
        return [];
      } finally {
        db.close();
      }
    }
    this.admin ??= new pg.Pool({
      connectionString: inject('postgresUrl'),
      max: 1,
      options: `-c search_path=${this.schema}`,
    });
    return (await this.admin.query(text, params)).rows as unknown[];
  }

  /** Advances the clock in `stepMs` slices until `predicate` holds; fails after `maxMs`. */
  async until(
    predicate: () => boolean | Promise<boolean>,
    options: { stepMs?: number; maxMs?: number } = {},
  ): Promise<void> {
    const stepMs = options.stepMs ?? 50;
    const maxMs = options.maxMs ?? 60_000;
    for (let waited = 0; waited <= maxMs; waited += stepMs) {
      if (await predicate()) return;
      await this.clock.advance(stepMs);
      // A network database answers in real time: give its replies a moment between ticks.
      if (this.dialect === 'postgres') await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error(`condition not met within ${maxMs} ms of fake time`);
  }

  /**
   * The run's output, moving the fake clock until it has finished: a worker on a network
   * database may still be between queries when time was last advanced.
   */
  async result<T = unknown>(vigil: Vigil, id: string): Promise<T> {
    await this.until(async () => {
      const run = await vigil.getRun(id);
      return run !== null && isTerminalStatus(run.status);
    });
    return vigil.result<T>(id);
  }

  async cleanup(): Promise<void> {
    await settle();
    await Promise.all(this.instances.map((v) => v.close({ graceMs: 0 }).catch(() => undefined)));
    await Promise.all(this.stores.map((s) => s.close().catch(() => undefined)));
    if (this.dialect === 'postgres') {
      await this.sql(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
      await this.admin?.end();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A promise you resolve from outside: a gate a step body waits on. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}
