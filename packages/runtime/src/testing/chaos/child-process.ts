import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
/** Whether this file runs from `src` (through tsx) rather than from the built `dist`. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const EXT = FROM_SOURCE ? '.ts' : '.js';

/** The path of a sibling module of the package, `.ts` or `.js` as this one runs. */
export function packageModule(relativeToChaos: string): string {
  return fileURLToPath(new URL(`${relativeToChaos}${EXT}`, import.meta.url));
}

/**
 * Spawns `node <script> …args` the way this package runs: through tsx (so a user's `.ts` modules
 * load, and the source under test when run from `src`).
 */
export function spawnNode(
  script: string,
  args: string[],
  options: { cwd: string; env: Record<string, string | undefined> },
): ChildProcess {
  const flags = ['--import', pathToFileURL(require.resolve('tsx')).href];
  if (FROM_SOURCE) flags.unshift('--conditions=@vigil/source');
  return spawn(process.execPath, [...flags, script, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with the first stdout match of `pattern`; rejects if the child exits or `timeoutMs` passes first. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const match = seen.match(pattern);
      if (match) finish(() => resolve(match));
    };
    const onExit = (code: number | null): void =>
      finish(() => reject(new Error(`child exited (${code}) before printing ${pattern}: ${seen.slice(-2000)}`)));
    const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms`))), timeoutMs);
    const finish = (then: () => void): void => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      then();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', onExit);
  });
}
