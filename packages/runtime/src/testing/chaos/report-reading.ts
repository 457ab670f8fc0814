import { readFileSync } from 'node:fs';

import type { RuntimeEventMap } from '../../runtime/events.js';
import { openStore } from '../../store/open-store.js';
import type { ChaosReport } from './chaos-report.js';
import type { LedgerRecord } from './ledger.js';

/**
 * The external ledger's records from a chaos run (its JSON-lines file, `report.ledgerFile`), in
 * the order they arrived; only those of `tools` when given: what a profile's assertions about
 * side effects read.
 */
export function ledgerRecords(
  report: Pick<ChaosReport, 'ledgerFile'>,
  tools?: string | readonly string[],
): LedgerRecord[] {
  const wanted = tools === undefined ? null : new Set(typeof tools === 'string' ? [tools] : tools);
  return readFileSync(report.ledgerFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LedgerRecord)
    .filter((record) => wanted === null || wanted.has(record.tool));
}

/** One `checkpoint.corrupted` entry of the audit trail: the step whose stored value failed its checksum, and what the runtime did. */
export interface CorruptionDecision {
  runId: string | null;
  seq: number | null;
  /** `rerun` (the step may run again), `escalated` (at-most-once: a human decides) or `dead_lettered` (the run's input). */
  action: RuntimeEventMap['checkpoint.corrupted']['action'];
}

/**
 * What the audit trail of `database` (a SQLite file or a `postgres://` URL) records about the
 * corrupted checkpoints the runtime detected. Audit entries are appended in batches, so a worker
 * SIGKILLed before its flush may have lost its last ones: this is what survived, not a count of
 * detections (the report's `corruption.detected` is that).
 */
export async function corruptionDecisions(database: string): Promise<CorruptionDecision[]> {
  const store = openStore(database);
  try {
    const entries = await store.audit.list({ type: 'checkpoint.corrupted', limit: 100_000 });
    return entries.map((entry) => {
      const data = (entry.data ?? {}) as { seq?: number; action: CorruptionDecision['action'] };
      return { runId: entry.runId, seq: data.seq ?? null, action: data.action };
    });
  } finally {
    await store.close();
  }
}
