import type { ChildProcess } from 'node:child_process';

import { packageModule, spawnNode, waitForOutput } from './child-process.js';

/** One completed side effect, as the ledger process received it. */
export interface LedgerRecord {
  tool: string;
  /** The idempotency key the effect was made under (`<runId>:<seq>` for tool steps). */
  key: string;
  runId?: string;
  attempt?: number;
  /** The tool's `effects` class, when the chaos worker reported it. */
  effects?: string;
  scenario?: string | null;
  at: number;
}

/** The external ledger child process: its URL, what it recorded, and stopping it. */
export interface ChaosLedger {
  readonly url: string;
  records(): Promise<LedgerRecord[]>;
  stop(): Promise<void>;
}

/** Starts the ledger process, which appends every record to `file` before answering. */
export async function startLedger(file: string, cwd: string): Promise<ChaosLedger> {
  const child = spawnNode(packageModule('./ledger-process'), [file], { cwd, env: process.env });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const [, url] = await waitForOutput(child, /LEDGER (http:\/\/\S+)/, 30_000);
  return {
    url: url!,
    async records() {
      const response = await fetch(`${url}/records`);
      if (!response.ok) throw new Error(`the chaos ledger answered ${response.status}`);
      return (await response.json()) as LedgerRecord[];
    },
    stop: () => stopChild(child, exited),
  };
}

function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  return exited;
}

/**
 * Side effects made more than once under one key. Tools declared `idempotent` (or `none`) are
 * allowed to repeat under the same key — the receiving system deduplicates by key, which is the
 * contract the key exists for — so their repeats are counted as `redeliveries`; every other
 * repeat (an `at-most-once` tool, or a record a user's tool sent itself) is a duplicate.
 */
export function countDuplicates(records: readonly LedgerRecord[]): { duplicates: number; redeliveries: number } {
  const seen = new Map<string, { count: number; effects: string | undefined }>();
  for (const record of records) {
    const id = `${record.tool}\u0000${record.key}`;
    const entry = seen.get(id);
    if (entry) entry.count++;
    else seen.set(id, { count: 1, effects: record.effects });
  }
  let duplicates = 0;
  let redeliveries = 0;
  for (const { count, effects } of seen.values()) {
    if (count < 2) continue;
    if (effects === 'idempotent' || effects === 'none') redeliveries += count - 1;
    else duplicates += count - 1;
  }
  return { duplicates, redeliveries };
}
