import { createVigil } from '../../src/compose.js';
import { FIXTURES, VigilProcess } from './processes.js';

/**
 * Vigil processes sharing one database, as separate machines would: one `vigil server` and any
 * number of `vigil worker`s, each a real child process that can be SIGKILLed and replaced.
 */
export class Cluster {
  readonly workers: VigilProcess[] = [];
  server: VigilProcess | undefined;
  url = '';
  /** An admin key on the cluster's database, made before the server starts: send it as `Authorization: Bearer`. */
  apiKey = '';
  /** Every process ever started, to stop them all at the end. */
  private readonly all: VigilProcess[] = [];
  /** When each killed worker died, by pid. */
  readonly kills = new Map<number, number>();
  /**
   * Set by `stop()`: no process starts after it, so a loop still replacing workers cannot spawn
   * one into a directory the test's cleanup is removing.
   */
  private stopped = false;

  constructor(
    private readonly database: string,
    private readonly cwd: string,
    private readonly leaseTtlMs: number,
    /** The module of workflows every process loads. */
    private readonly fixtures = FIXTURES,
    /** More environment for every process, e.g. `VIGIL_LOG_LEVEL`. */
    private readonly env: Record<string, string> = {},
  ) {}

  async startServer(): Promise<void> {
    if (this.apiKey === '') this.apiKey = await createAdminKey(this.database);
    this.server = this.spawn(['server', '--port', '0']);
    this.url = (await this.server.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/))[1]!;
  }

  /**
   * Starts a `vigil worker`, with `extra` arguments (e.g. `--concurrency 1`) and `env` on top of
   * the cluster's (to arm a failpoint in it, say).
   */
  async startWorker(extra: string[] = [], env: Record<string, string> = {}): Promise<VigilProcess> {
    const worker = this.spawn(['worker', '--lease-ttl', String(this.leaseTtlMs), ...extra], env);
    this.workers.push(worker);
    await worker.waitFor(/worker started/);
    return worker;
  }

  /** SIGKILLs a random live worker and starts another in its place (none once the cluster is stopped). */
  async killAndReplaceWorker(): Promise<void> {
    const index = Math.floor(Math.random() * this.workers.length);
    const victim = this.workers[index]!;
    await victim.kill('SIGKILL');
    this.kills.set(victim.pid, Date.now());
    this.workers.splice(index, 1);
    if (!this.stopped) await this.startWorker();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** SIGKILLs every process the cluster started; none starts after this. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.all.map((p) => p.kill('SIGKILL')));
  }

  private spawn(args: string[], env: Record<string, string> = {}): VigilProcess {
    if (this.stopped) throw new Error(`the cluster is stopped: not starting \`vigil ${args[0]}\``);
    const child = new VigilProcess([...args, '--db', this.database, '--load', this.fixtures], {
      cwd: this.cwd,
      env: { ...this.env, ...env },
    });
    this.all.push(child);
    return child;
  }
}

/** An admin key made on `database` directly, as `vigil keys create --role admin` does. */
async function createAdminKey(database: string): Promise<string> {
  const vigil = createVigil({ database, scheduler: false, notifications: false });
  try {
    await vigil.ready();
    return (await vigil.keys.create({ role: 'admin', name: 'cluster' })).key;
  } finally {
    await vigil.close();
  }
}
