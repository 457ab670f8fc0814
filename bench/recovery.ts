// Benchmark 5: recovery after SIGKILL. A worker process runs a run of ~200 ms steps; once a
// few steps have completed, the parent SIGKILLs it mid-step and at once spawns a new worker on
// the same SQLite file. Measured: kill → the first step body starting in the new worker, next
// to the lease TTL it has to wait out (and to the new process's own start-up time).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import BetterSqlite3 from 'better-sqlite3';

import { isMain, runAsScript } from './child-process.js';
import { epochMs } from './clock.js';
import { readLedger, type LedgerEntry } from './ledger.js';
import type { RecoveryWorkerOptions } from './recovery-worker.js';
import { measureRounds } from './stats.js';
import { withFreshDir } from './temp-dir.js';

export const DEFAULTS = {
  leaseTtlsMs: [2000, 10_000],
  rounds: 3,
  steps: 8,
  stepMs: 200,
  killDuringStep: 4,
  killAfterMs: 100,
};
export type RecoveryOptions = typeof DEFAULTS;

export interface RecoveryRound {
  leaseTtlMs: number;
  heartbeatMs: number;
  recoveryMs: number;
  /** What the killed worker's lease had left when it died. */
  leaseRemainingAtKillMs: number;
  /** From the lease's expiry to the new worker's first step: what the engine adds. */
  afterLeaseExpiryMs: number;
  newWorkerReadyMs: number;
  resumedAtSeq: number;
  resumedAttempt: number;
  /** Step bodies that ran more than once: only the one in flight at the kill should. */
  stepsRunTwice: number;
  distinctStepsRun: number;
}

export interface RecoveryResult {
  options: RecoveryOptions;
  byTtl: Array<{ leaseTtlMs: number; rounds: RecoveryRound[]; median: RecoveryRound }>;
}

const WORKER = fileURLToPath(new URL('./recovery-worker.js', import.meta.url));

function spawnWorker(options: RecoveryWorkerOptions): ChildProcess {
  return spawn(process.execPath, [WORKER, '--options', JSON.stringify(options)], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Polls the ledger until `predicate` matches; rejects after `timeoutMs` or if `child` exits first. */
async function waitForEntry(
  ledger: string,
  predicate: (entry: LedgerEntry) => boolean,
  timeoutMs: number,
  child: ChildProcess,
): Promise<LedgerEntry> {
  const deadline = epochMs() + timeoutMs;
  while (epochMs() < deadline) {
    const entry = readLedger(ledger).find(predicate);
    if (entry) return entry;
    if (child.exitCode !== null) throw new Error(`a recovery worker exited early with ${child.exitCode}`);
    await delay(5);
  }
  throw new Error(`no matching ledger entry within ${timeoutMs} ms`);
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = epochMs() + timeoutMs;
  while (child.exitCode === null && child.signalCode === null) {
    if (epochMs() > deadline) throw new Error(`a recovery worker ran longer than ${timeoutMs} ms`);
    await delay(10);
  }
}

function leaseExpiresAt(path: string): number {
  const db = new BetterSqlite3(path, { fileMustExist: true });
  try {
    const row = db.prepare('SELECT lease_expires_at AS at FROM runs').get() as { at: number };
    return row.at;
  } finally {
    db.close();
  }
}

async function measureRound(dir: string, leaseTtlMs: number, options: RecoveryOptions): Promise<RecoveryRound> {
  const { steps, stepMs, killDuringStep, killAfterMs } = options;
  const db = join(dir, 'vigil.db');
  const ledger = join(dir, 'ledger.jsonl');
  const common = { db, ledger, leaseTtlMs, steps, stepMs };
  const first = spawnWorker({ ...common, name: 'first', create: true });
  let second: ChildProcess | undefined;
  try {
    await waitForEntry(ledger, (e) => e.worker === 'first' && e.seq === killDuringStep, 30_000, first);
    await delay(killAfterMs);
    const killedAt = epochMs();
    first.kill('SIGKILL');
    second = spawnWorker({ ...common, name: 'second', create: false });
    const expiresAt = leaseExpiresAt(db);
    const isSecond = (event: LedgerEntry['event']) => (e: LedgerEntry) => e.worker === 'second' && e.event === event;
    const resumed = await waitForEntry(ledger, isSecond('step'), leaseTtlMs + 30_000, second);
    await waitForEntry(ledger, isSecond('completed'), steps * stepMs + 30_000, second);
    await waitForExit(second, 10_000);
    const entries = readLedger(ledger);
    const ready = entries.find(isSecond('ready'))!;
    const starts = entries.filter((e) => e.event === 'step');
    const distinctStepsRun = new Set(starts.map((e) => e.seq)).size;
    return {
      leaseTtlMs,
      heartbeatMs: Math.floor(leaseTtlMs / 5),
      recoveryMs: resumed.t - killedAt,
      leaseRemainingAtKillMs: expiresAt - killedAt,
      afterLeaseExpiryMs: resumed.t - expiresAt,
      newWorkerReadyMs: ready.t - killedAt,
      resumedAtSeq: resumed.seq ?? NaN,
      resumedAttempt: resumed.attempt ?? NaN,
      stepsRunTwice: starts.length - distinctStepsRun,
      distinctStepsRun,
    };
  } finally {
    first.kill('SIGKILL');
    second?.kill('SIGKILL');
  }
}

export async function run(options: RecoveryOptions): Promise<RecoveryResult> {
  // Warm-up: one unrecorded round, so the first recorded one does not pay for cold module loads.
  const warmupTtl = Math.min(...options.leaseTtlsMs);
  await withFreshDir('recovery', (dir) => measureRound(dir, warmupTtl, options));
  const byTtl: RecoveryResult['byTtl'] = [];
  for (const leaseTtlMs of options.leaseTtlsMs) {
    const measured = await measureRounds(options.rounds, () =>
      withFreshDir('recovery', (dir) => measureRound(dir, leaseTtlMs, options)),
    );
    byTtl.push({ leaseTtlMs, ...measured });
  }
  return { options, byTtl };
}

if (isMain(import.meta.url)) await runAsScript(DEFAULTS, run);
