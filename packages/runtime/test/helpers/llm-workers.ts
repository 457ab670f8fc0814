import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createVigil, type Vigil } from '../../src/compose.js';
import type { AnyWorkflow } from '../../src/core/workflow.js';
import { OpenAiTestServer, type SeenRequest, type TestReply } from './openai-test-server.js';
import { FIXTURES, VigilProcess } from './processes.js';

/**
 * The rig of the LLM crash tests: a temporary SQLite file, a real OpenAI-compatible server in the
 * test process, an in-process client to start runs, and `vigil worker` child processes (over the
 * fixtures, pointed at the server) for the test to SIGKILL.
 */
export class LlmWorkers {
  readonly dir: string;
  readonly db: string;
  readonly server: OpenAiTestServer;
  readonly client: Vigil;
  private readonly processes: VigilProcess[] = [];

  private constructor(prefix: string, workflows: AnyWorkflow[], server: OpenAiTestServer) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.db = join(this.dir, 'vigil.db');
    this.server = server;
    this.client = createVigil({ database: this.db, workflows });
  }

  /** Starts the model server (answering with `reply`, else echoing) and opens the database. */
  static async start(
    prefix: string,
    workflows: AnyWorkflow[],
    reply?: (request: SeenRequest, index: number) => TestReply,
  ): Promise<LlmWorkers> {
    return new LlmWorkers(prefix, workflows, await new OpenAiTestServer(reply).start());
  }

  /** A new worker process with a 1.5 s lease, so a run left by a killed worker is taken over soon. */
  worker(): VigilProcess {
    const child = new VigilProcess(['worker', '--db', this.db, '--load', FIXTURES, '--lease-ttl', '1500'], {
      cwd: this.dir,
      env: { VIGIL_LLM_URL: this.server.baseURL, VIGIL_LLM_MODEL: 'test-model' },
    });
    this.processes.push(child);
    return child;
  }

  /** Kills every worker, closes the client and the server, and removes the directory. */
  async close(): Promise<void> {
    await Promise.all(this.processes.splice(0).map((p) => p.kill()));
    await this.client.close();
    await this.server.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
