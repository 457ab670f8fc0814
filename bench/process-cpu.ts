// CPU time of processes, to tell a CPU-bound figure from one that waits on the disk: this
// process's (`process.cpuUsage()`), and a PostgreSQL server's, read from /proc (Linux only).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** CPU time of this process so far, user + system, in milliseconds. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  try {
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** ppid, and utime + stime (+ cutime + cstime: children already reaped) in clock ticks. */
function stat(pid: string): { ppid: number; ticks: number; reapedTicks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text
      .slice(text.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const [ppid = 0, utime = 0, stime = 0, cutime = 0, cstime = 0] = [3, 13, 14, 15, 16].map((f) => fields[f - 2]);
    return { ppid, ticks: utime + stime, reapedTicks: cutime + cstime };
  } catch {
    return undefined;
  }
}

/**
 * CPU time used so far by the PostgreSQL server whose data directory is `dataDir`: the
 * postmaster, its live children (backends, WAL writer, checkpointer …) and the children it has
 * already reaped, in milliseconds. NaN where /proc is not available.
 */
export function postgresCpuMs(dataDir: string): number {
  try {
    const postmaster = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
    // A child reaped between reading the postmaster and finding the child would be missed: read
    // again until the postmaster's reaped total did not change meanwhile.
    for (let attempt = 0; attempt < 20; attempt++) {
      const before = stat(postmaster);
      if (!before) return NaN;
      let ticks = before.ticks + before.reapedTicks;
      for (const pid of readdirSync('/proc')) {
        if (!/^\d+$/.test(pid)) continue;
        const child = stat(pid);
        if (child?.ppid === Number(postmaster)) ticks += child.ticks;
      }
      if (stat(postmaster)?.reapedTicks === before.reapedTicks) return (ticks * 1000) / clockTicks();
    }
    return NaN;
  } catch {
    return NaN;
  }
}

/**
 * Starts a CPU window over this process and `serverCpuMs` (a database server); the function it
 * returns ends it: CPU per step of each, and how busy all cores were (100 % = every core, all the time).
 */
export function cpuWindow(serverCpuMs: () => number) {
  const own = ownCpuMs();
  const server = serverCpuMs();
  return (steps: number, wallMs: number, otherCpuMs = 0) => {
    const ownUsed = ownCpuMs() - own;
    const serverUsed = serverCpuMs() - server;
    return {
      benchCpuMsPerStep: (ownUsed + otherCpuMs) / steps,
      serverCpuMsPerStep: serverUsed / steps,
      cpuBusyPercent: ((ownUsed + otherCpuMs + serverUsed) / (wallMs * availableParallelism())) * 100,
    };
  };
}

export type CpuFigures = ReturnType<ReturnType<typeof cpuWindow>>;
