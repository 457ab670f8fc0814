import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DEV_KEY_LINE, VigilProcess, runCli } from './processes.js';

/**
 * `vigil dev` in a child process on a temporary directory and SQLite file, for CLI tests: its
 * URL and the admin key its banner prints, `cli(...)` to run the CLI against it, and `api(...)`
 * to call its HTTP API directly.
 */
export class DevServer {
  private constructor(
    readonly dir: string,
    readonly process: VigilProcess,
    readonly url: string,
    readonly key: string,
  ) {}

  /**
   * Starts `vigil dev --load <workflows>` in a new directory named `prefix…`; `files` are written
   * into the directory first (a `vigil.config.mjs`, say), `env` added to its environment.
   */
  static async start(
    prefix: string,
    workflows: string,
    options: { files?: Record<string, string>; args?: string[]; env?: Record<string, string> } = {},
  ): Promise<DevServer> {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text);
    const args = ['dev', '--port', '0', '--db', join(dir, 'vigil.db'), '--load', workflows, ...(options.args ?? [])];
    const dev = new VigilProcess(args, { cwd: dir, ...(options.env ? { env: options.env } : {}) });
    const url = (await dev.waitFor(/API\s+(http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    const key = (await dev.waitFor(DEV_KEY_LINE))[1]!;
    return new DevServer(dir, dev, url, key);
  }

  /** Runs `vigil <args> --url <this server>` with the admin key. */
  cli(...args: string[]): ReturnType<typeof runCli> {
    return runCli([...args, '--url', this.url], { cwd: this.dir, env: { VIGIL_API_KEY: this.key } });
  }

  /** GET `path`, or POST `body` as JSON to it, with the admin key; the parsed answer. */
  async api<T>(path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.key}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as T;
  }

  /** Kills the server and removes its directory. */
  async close(): Promise<void> {
    await this.process.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
