import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import BetterSqlite3 from 'better-sqlite3';

import { createVigil, type Vigil, type VigilOptions } from '../../src/compose.js';
import type { Clock } from '../../src/core/clock.js';
import type { AnyWorkflow } from '../../src/core/workflow.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { FakeClock, settle } from '../../src/testing/fake-clock.js';

/**
 * One SQLite file in a temp directory, a FakeClock, and any number of Vigil instances on it
 * (each with its own connection, as separate workers would have).
 */
export class Harness {
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-test-'));
  readonly path = join(this.dir, 'vigil.db');
  readonly clock = new FakeClock();
  private readonly instances: Vigil[] = [];
  private readonly connections: BetterSqlite3.Database[] = [];

  /** A Vigil on the shared file. `clock` defaults to the shared FakeClock. */
  vigil(
    workflows: AnyWorkflow[],
    options: Omit<VigilOptions, 'database' | 'workflows'> & { clock?: Clock } = {},
  ): Vigil {
    const { clock = this.clock, ...rest } = options;
    const vigil = createVigil({ database: new SqliteStore({ path: this.path, clock }), workflows, ...rest });
    this.instances.push(vigil);
    return vigil;
  }

  /** A separate connection to inspect or damage the file behind the store's back. */
  db(): BetterSqlite3.Database {
    const db = new BetterSqlite3(this.path);
    this.connections.push(db);
    return db;
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
    }
    throw new Error(`condition not met within ${maxMs} ms of fake time`);
  }

  async cleanup(): Promise<void> {
    await settle();
    await Promise.all(this.instances.map((v) => v.close({ graceMs: 0 }).catch(() => undefined)));
    for (const db of this.connections) db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A promise you resolve from outside: a gate a step body waits on. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}
