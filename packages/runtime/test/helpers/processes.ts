import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { LedgerLine } from '../fixtures/workflows.js';

const require = createRequire(import.meta.url);
/** The CLI's TypeScript entry, run through tsx so child processes test the current source. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/workflows.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

/** The admin key `vigil dev` prints in its banner. */
export const DEV_KEY_LINE = /API key\s+(vgl_\S+)/;

/** A `vigil` child process whose output the test can wait on. */
export class VigilProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private readonly exited: Promise<number | null>;

  constructor(args: string[], options: { cwd: string; env?: Record<string, string> }) {
    this.child = spawn(process.execPath, ['--conditions=@vigil/source', '--import', TSX_LOADER, CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, VIGIL_LOG_LEVEL: 'info', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves when stdout or stderr matches `pattern`; rejects after `timeoutMs` with the output so far. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.stderr.match(pattern) ?? this.stdout.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        // Stack lines of the child are dropped: the test runner would try to source-map them as its own.
        const output = `--- stdout\n${this.stdout}\n--- stderr\n${this.stderr.slice(-4000)}`.replace(
          /^\s+at .*$/gm,
          '',
        );
        throw new Error(`waited for ${pattern} (exit ${this.child.exitCode})\n${output}`);
      }
      await sleep(25);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  exit(): Promise<number | null> {
    return this.exited;
  }
}

/** Runs a one-shot CLI command to completion. */
export async function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = new VigilProcess(args, options);
  const code = await child.exit();
  return { code, stdout: child.stdout, stderr: child.stderr };
}

/**
 * Makes `dir` look like a user's project with Vigil installed: `node_modules/vigil` and
 * `node_modules/zod` link to this workspace's copies.
 */
export function linkVigil(dir: string): void {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(fileURLToPath(new URL('../..', import.meta.url)), join(dir, 'node_modules', 'vigil'), 'dir');
  symlinkSync(dirname(require.resolve('zod/package.json')), join(dir, 'node_modules', 'zod'), 'dir');
}

export function readLedger(path: string): LedgerLine[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LedgerLine);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 50 ms until it returns a value; fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Resolves or rejects as `work` does, unless `timeoutMs` passes first: then it rejects with an
 * error naming `what`, so a test that hangs says which phase it hung in, well before the test
 * runner's own timeout. `work` itself is not stopped.
 */
export async function withDeadline<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
