// The recovery benchmark's ledger: an append-only file of JSON lines that survives SIGKILL,
// written by the worker processes and read by the parent.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

import { epochMs } from './clock.js';

export interface LedgerEntry {
  /** Epoch milliseconds, sub-millisecond precision. */
  t: number;
  event: 'ready' | 'step' | 'completed';
  worker: string;
  seq?: number;
  attempt?: number;
}

export function appendToLedger(path: string, entry: Omit<LedgerEntry, 't'>): void {
  appendFileSync(path, `${JSON.stringify({ t: epochMs(), ...entry })}\n`);
}

/** Every complete line so far (a line still being written has no newline yet and is skipped). */
export function readLedger(path: string): LedgerEntry[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LedgerEntry);
}
