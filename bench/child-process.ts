// Running benchmark scripts as child processes, and the JSON-on-stdout protocol between them:
// a script prints exactly one JSON document as its last stdout line.
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** Whether the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(realpathSync(script)).href === url;
}

/** `--options '<json>'` from argv, merged over `defaults`. */
export function optionsFromArgv<T extends object>(defaults: T): T {
  const { values } = parseArgs({ options: { options: { type: 'string' } }, strict: false });
  const given = typeof values.options === 'string' ? (JSON.parse(values.options) as Partial<T>) : {};
  return { ...defaults, ...given };
}

/** Runs `run(options)` and prints its result as one JSON line; exits non-zero on failure. */
export async function runAsScript<T extends object>(defaults: T, run: (options: T) => Promise<unknown>): Promise<void> {
  try {
    const result = await run(optionsFromArgv(defaults));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
}

/** Parses the last non-empty line of `text` as JSON. */
export function lastJsonLine(text: string): unknown {
  const lines = text.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? '');
}

/**
 * Spawns `node [nodeArgs] <script> --options <json>` and resolves with the JSON it printed (typed by the
 * caller). Its stderr goes to ours. Rejects if it exits non-zero or outlives `timeoutMs`.
 */
export function runScript<T>(
  script: string,
  options: object,
  timeoutMs = 600_000,
  nodeArgs: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, '--options', JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env,
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`${script} exited with ${code ?? signal}`));
      try {
        resolve(lastJsonLine(stdout) as T);
      } catch (error) {
        reject(new Error(`${script} printed no JSON result: ${String(error)}`));
      }
    });
  });
}
