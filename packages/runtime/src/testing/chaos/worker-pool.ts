import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';

import { packageModule, spawnNode, waitForOutput } from './child-process.js';

/** One `vigil worker` child process of a chaos scenario. */
interface PoolWorker {
  child: ChildProcess;
  /** The prefix of its worker id (`<host>:<pid>:`): how its leases are recognised in the store. */
  owner: string;
  exited: Promise<void>;
  /** Set when the pool stopped it on purpose (a timer kill or the end of the scenario). */
  stopping: boolean;
  /** Set once it logged `worker started`: only started workers are chosen to be killed. */
  started: boolean;
  output: string;
}

export interface WorkerPoolOptions {
  size: number;
  cwd: string;
  database: string;
  load: string;
  leaseTtlMs: number;
  concurrency: number;
  env: Record<string, string>;
  /** The `VIGIL_FAILPOINTS` of each new worker: a kill at a random point, or none. */
  failpoints: () => string | undefined;
  /**
   * Called with the owner prefix and the time of each SIGKILL, the pool's own or a failpoint's,
   * before the replacement starts; answers the runs the dead worker held.
   */
  onKill: (owner: string, at: number) => Promise<string[]>;
}

/**
 * The chaos scenario's worker processes: started, SIGKILLed at random (by timer, or by an armed
 * failpoint inside the worker) and replaced, so the pool always has `size` live workers.
 */
export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private closed = false;
  /** A worker that crashed (not a SIGKILL) or a replacement that failed to start: the scenario stops with it. */
  failure: Error | undefined;

  constructor(private readonly options: WorkerPoolOptions) {}

  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.options.size }, () => this.spawn()));
  }

  /** SIGKILLs one live worker at random and starts its replacement. */
  async killOne(random: () => number): Promise<void> {
    const live = this.live();
    const victim = live[Math.floor(random() * live.length)];
    if (victim) await this.kill(victim, () => Promise.resolve());
  }

  /**
   * SIGKILLs the worker whose id is `owner`, lets `meanwhile` act on the runs it held (their
   * leases still name the dead worker), then starts its replacement.
   */
  async killOwner(owner: string, meanwhile: (held: string[]) => Promise<void>): Promise<void> {
    const victim = this.live().find((w) => owner.startsWith(w.owner));
    if (victim) await this.kill(victim, meanwhile);
  }

  private live(): PoolWorker[] {
    return this.workers.filter(
      (w) => w.started && !w.stopping && w.child.exitCode === null && w.child.signalCode === null,
    );
  }

  private async kill(victim: PoolWorker, meanwhile: (held: string[]) => Promise<void>): Promise<void> {
    victim.stopping = true;
    victim.child.kill('SIGKILL');
    await victim.exited;
    this.remove(victim);
    await meanwhile(await this.options.onKill(victim.owner, Date.now()));
    if (!this.closed) await this.spawn();
  }

  /** Stops every worker with SIGTERM (they hand their runs back) and waits for them. */
  async stop(): Promise<void> {
    this.closed = true;
    // Once closed, nothing spawns: every child ever started is in the list (spawn pushes it at once).
    await Promise.all(
      this.workers.map(async (w) => {
        w.stopping = true;
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
        await w.exited;
      }),
    );
  }

  private async spawn(): Promise<void> {
    const { options } = this;
    const failpoints = options.failpoints();
    const child = spawnNode(
      packageModule('../../cli/main'),
      [
        'worker',
        '--db',
        options.database,
        '--load',
        options.load,
        '--lease-ttl',
        String(options.leaseTtlMs),
        '--concurrency',
        String(options.concurrency),
      ],
      {
        cwd: options.cwd,
        env: {
          ...process.env,
          VIGIL_LOG_LEVEL: 'info',
          ...options.env,
          ...(failpoints ? { VIGIL_FAILPOINTS: failpoints } : { VIGIL_FAILPOINTS: undefined }),
        },
      },
    );
    const worker: PoolWorker = {
      child,
      owner: `${hostname()}:${child.pid}:`,
      exited: new Promise((resolve) => child.on('exit', () => resolve())),
      stopping: false,
      started: false,
      output: '',
    };
    const keep = (chunk: Buffer): void => {
      worker.output = (worker.output + chunk.toString()).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.workers.push(worker);
    // A worker that dies on its own (an armed failpoint's SIGKILL) is a kill too; it is replaced.
    void worker.exited
      .then(async () => {
        if (worker.stopping) return;
        this.remove(worker);
        if (child.signalCode !== 'SIGKILL') {
          const how = child.signalCode ?? `code ${child.exitCode}`;
          throw new Error(`a chaos worker exited on its own (${how}):\n${worker.output.slice(-2000)}`);
        }
        await this.options.onKill(worker.owner, Date.now());
        if (!this.closed) await this.spawn();
      })
      .catch((error: unknown) => {
        this.failure = error instanceof Error ? error : new Error(String(error));
      });
    try {
      await waitForOutput(child, /worker started/, 60_000);
      worker.started = true;
    } catch (error) {
      // Stopped on purpose while starting (the scenario ended): not a failure.
      if (!worker.stopping) throw error;
    }
  }

  private remove(worker: PoolWorker): void {
    const index = this.workers.indexOf(worker);
    if (index >= 0) this.workers.splice(index, 1);
  }
}
