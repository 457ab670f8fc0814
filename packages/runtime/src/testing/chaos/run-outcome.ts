import type { Store } from '../../store/store.js';
import type { RunRecord } from '../../store/run-store.js';
import type { CorruptedCheckpoint } from '../corrupt-checkpoint.js';
import type { AuditCoverage } from './audit-coverage.js';
import type { ChaosScenario } from './options.js';

/** How one chaos run ended, read from the store once it settled. */
export interface RunOutcome {
  runId: string;
  scenario: ChaosScenario;
  /** The run's status, or `escalated` (waiting on a human) or `timed_out` (cancelled by the harness). */
  status: string;
  errorCode: string | null;
  /** Creation to end, ms. */
  latencyMs: number;
  /** Each step's duration (start to end), ms. */
  stepMs: number[];
  usd: number;
  escalated: boolean;
  /**
   * Approvals the harness granted in this run (`approve`, as the assignee would): such a run is
   * `escalated` too, but no person was needed.
   */
  harnessApprovals: number;
  /** For a run whose checkpoint the harness corrupted: whether the engine noticed. */
  corruption: 'detected' | 'silently_used' | null;
  /** Its step outcomes and those missing from the audit trail, read once the scenario's workers stopped. */
  audit?: AuditCoverage;
}

const SUCCESS = new Set(['completed', 'completed_partial']);
export const TERMINAL = new Set(['completed', 'completed_partial', 'failed', 'cancelled', 'dead_lettered']);

export function succeeded(outcome: RunOutcome): boolean {
  return SUCCESS.has(outcome.status);
}

/**
 * Reads a settled run's outcome. A corrupted checkpoint counts as detected when the run ended
 * with `checkpoint_corrupted`, escalated, or when the corrupted row was replaced (the step ran
 * again); otherwise the run went on over the row as corrupted: silently used.
 */
export async function readOutcome(
  store: Store,
  run: RunRecord,
  scenario: ChaosScenario,
  settledAs: string,
  now: number,
  corrupted: (CorruptedCheckpoint & { text: string }) | undefined,
  harnessApprovals = 0,
): Promise<RunOutcome> {
  const [steps, cost, escalations] = await Promise.all([
    store.checkpoints.list(run.id),
    store.spend.runCost(run.id),
    store.escalations.list({ runId: run.id, limit: 100 }),
  ]);
  const errorCode = run.error?.code ?? null;
  let corruption: RunOutcome['corruption'] = null;
  if (corrupted) {
    const row = steps.find((s) => s.seq === corrupted.seq);
    const replaced = !row || (row.intact && row[corrupted.field as 'output'] !== corrupted.text);
    const noticed = errorCode === 'checkpoint_corrupted' || escalations.length > 0 || replaced;
    corruption = noticed ? 'detected' : 'silently_used';
  }
  return {
    runId: run.id,
    scenario,
    status: settledAs,
    errorCode,
    latencyMs: (run.finishedAt ?? now) - run.createdAt,
    stepMs: steps.filter((s) => s.endedAt !== null).map((s) => s.endedAt! - s.startedAt),
    usd: cost.reduce((sum, c) => sum + c.usd, 0),
    escalated: escalations.length > 0,
    harnessApprovals,
    corruption,
  };
}
