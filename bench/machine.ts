// What the benchmarks ran on, for RESULTS.md.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

import BetterSqlite3 from 'better-sqlite3';

export interface Machine {
  cpuModel: string;
  cores: number;
  ramGb: number;
  node: string;
  sqlite: string;
  os: string;
  tmpdir: string;
  loadAverage1m: number;
  git: { commit: string; runtimeChanges: number };
}

export function sqliteVersion(): string {
  const db = new BetterSqlite3(':memory:');
  try {
    return db.prepare('SELECT sqlite_version()').pluck().get() as string;
  } finally {
    db.close();
  }
}

/** The 1-minute load average: other work on the machine shows up here. */
export function loadAverage(): number {
  return loadavg()[0] ?? NaN;
}

/** The commit measured, and how many files under packages/runtime/src differ from it. */
function gitState(): Machine['git'] {
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  const git = (...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
  try {
    const changes = git('status', '--porcelain', '--', 'packages/runtime/src');
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      runtimeChanges: changes === '' ? 0 : changes.split('\n').length,
    };
  } catch {
    return { commit: 'unknown', runtimeChanges: 0 };
  }
}

export function describeMachine(): Machine {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    ramGb: totalmem() / 2 ** 30,
    node: process.version,
    sqlite: sqliteVersion(),
    os: `${platform()} ${release()}`,
    tmpdir: tmpdir(),
    loadAverage1m: loadAverage(),
    git: gitState(),
  };
}

/** The machine in one line, printed as the benchmarks start (and quoted with figures taken by hand). */
export function machineLine(m: Machine): string {
  const commit = m.git.runtimeChanges ? `${m.git.commit}+${m.git.runtimeChanges} changes` : m.git.commit;
  return (
    `${m.cpuModel}, ${m.cores} cores, ${m.ramGb.toFixed(1)} GB RAM, ${m.os}, Node.js ${m.node}, ` +
    `SQLite ${m.sqlite}, load average (1 min) ${m.loadAverage1m.toFixed(2)}, commit ${commit}`
  );
}
