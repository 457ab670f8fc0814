import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createVigil, type Vigil, type VigilOptions } from '../../src/compose.js';
import { FIXTURES, VigilProcess } from './processes.js';

/**
 * The stage of a crash test: a fresh directory with a SQLite file (or a PostgreSQL URL given) and
 * a ledger file, a client Vigil on that database (no worker of its own running the fixtures), and `vigil worker` child
 * processes on the fixtures, killed at cleanup.
 */
export class WorkerScene {
  readonly dir: string;
  /** The SQLite file, or the PostgreSQL URL given. */
  readonly db: string;
  /** A JSON-lines file the fixtures append each execution to: the external count. */
  readonly ledger: string;
  readonly client: Vigil;
  private readonly processes: VigilProcess[] = [];

  /** `database`: a PostgreSQL URL to run on instead of the SQLite file. */
  constructor(name: string, workflows: VigilOptions['workflows'], database?: string) {
    this.dir = mkdtempSync(join(tmpdir(), `vigil-${name}-`));
    this.db = database ?? join(this.dir, 'vigil.db');
    this.ledger = join(this.dir, 'ledger.jsonl');
    this.client = createVigil({ database: this.db, workflows });
  }

  /** A `vigil worker` on the fixtures with a 1.5 s lease, `env` added to its environment. */
  worker(env: Record<string, string> = {}): VigilProcess {
    const args = ['worker', '--db', this.db, '--load', FIXTURES, '--lease-ttl', '1500'];
    const child = new VigilProcess(args, { cwd: this.dir, env });
    this.processes.push(child);
    return child;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.processes.splice(0).map((p) => p.kill()));
    await this.client.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
