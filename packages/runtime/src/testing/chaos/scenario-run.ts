import type { Vigil } from '../../compose.js';
import { TOOL_FAULTS_ENV, type ToolFaultSpec } from '../../runtime/tool-faults.js';
import type { StepRecord } from '../../store/checkpoint-store.js';
import type { EscalationRecord } from '../../store/escalation-store.js';
import { corruptCheckpoint, type CorruptedCheckpoint } from '../corrupt-checkpoint.js';
import { faultRoll } from '../faults.js';
import { auditCoverage } from './audit-coverage.js';
import type { ChaosModule } from './chaos-module.js';
import type { ChaosScenario, ResolvedChaosOptions } from './options.js';
import { RecoveryTracker } from './recovery.js';
import { readOutcome, TERMINAL, type RunOutcome } from './run-outcome.js';
import { WorkerPool } from './worker-pool.js';

/** The environment variable user tools read the external ledger's URL from. */
export const CHAOS_LEDGER_ENV = 'VIGIL_CHAOS_LEDGER_URL';
const POLL_MS = 100;

export interface ScenarioResult {
  scenario: ChaosScenario;
  outcomes: RunOutcome[];
  kills: number;
  recoveryMs: number[];
  corruptionsInjected: number;
}

/** Committed results of the calls that have a failure policy (a re-run or an escalation decides what a corruption costs). */
function results(rows: readonly StepRecord[]): StepRecord[] {
  return rows.filter((s) => s.output !== null && s.endedAt !== null && CORRUPTIBLE_KINDS.has(s.kind));
}
const CORRUPTIBLE_KINDS = new Set(['step', 'tool', 'llm']);

/**
 * Runs one scenario: fresh workers with the scenario's faults, `count` runs kept `concurrency`
 * in flight, kills while they run, and (for `corrupt`) a bit flipped in a checkpoint of each run
 * caught between workers. Returns once every run settled: finished, waiting on a human, or
 * cancelled at its timeout.
 */
export async function runScenario(input: {
  scenario: ChaosScenario;
  options: ResolvedChaosOptions;
  vigil: Vigil;
  module: ChaosModule;
  faults: ToolFaultSpec;
  firstIndex: number;
  count: number;
  onSettled: (outcome: RunOutcome) => void;
}): Promise<ScenarioResult> {
  const { scenario, options, vigil, module } = input;
  const store = vigil.store;
  const recovery = new RecoveryTracker(store);
  const inFlight = new Map<string, number>();
  const corrupted = new Map<string, CorruptedCheckpoint & { text: string }>();
  /** Approvals the harness granted, by run. */
  const approved = new Map<string, number>();
  let dice = 0;
  const random = (): number => faultRoll(options.seed, `${scenario}:dice`, ++dice);
  const drawDepth = (): number => 1 + Math.floor(random() * Math.max(1, (module.workflow.steps?.length ?? 1) - 1));
  /** How many results a run of `corrupt` must have before its worker is killed and its latest result flipped. */
  let depth = scenario === 'corrupt' ? drawDepth() : 1;
  const pool = new WorkerPool({
    size: options.workers,
    cwd: options.cwd,
    database: options.database,
    load: options.load,
    leaseTtlMs: options.leaseTtlMs,
    concurrency: Math.max(4, options.concurrency),
    env: { [TOOL_FAULTS_ENV]: JSON.stringify(input.faults), [CHAOS_LEDGER_ENV]: input.faults.ledgerUrl ?? '' },
    // Half of the workers of a killing run carry a kill in the window between a step's body and its checkpoint.
    failpoints: () =>
      options.killWorkers && random() < 0.5 ? `step.after-body=kill@${3 + Math.floor(random() * 20)}` : undefined,
    onKill: (owner, at) => recovery.killed(owner, at, [...inFlight.keys()]),
  });
  await pool.start();
  const outcomes: RunOutcome[] = [];
  let next = 0;
  let killing = true;
  const killer = options.killWorkers ? killLoop() : Promise.resolve();
  try {
    while (next < input.count || inFlight.size > 0) {
      if (pool.failure) throw pool.failure;
      while (next < input.count && inFlight.size < options.concurrency) {
        const i = input.firstIndex + next++;
        const run = await vigil.client.start(module.workflow, module.input(i), {
          idempotencyKey: `chaos:${options.seed}:${scenario}:${i}`,
        });
        inFlight.set(run.id, Date.now());
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      await recovery.poll();
      if (scenario === 'corrupt') await corruptBetweenWorkers();
      for (const [runId, startedAt] of [...inFlight]) {
        const settled = await settle(runId, startedAt);
        if (!settled) continue;
        inFlight.delete(runId);
        outcomes.push(settled);
        input.onSettled(settled);
      }
    }
  } finally {
    killing = false;
    await killer;
    await pool.stop();
  }
  await recovery.poll();
  // Every worker has stopped: what a live one recorded is appended, what a killed one held is lost.
  // Entries a killed worker staged with its steps (PostgreSQL) are not: the next store to open
  // chains them, as this does now.
  await store.audit.chainStaged(Date.now());
  for (const outcome of outcomes) outcome.audit = await auditCoverage(store, outcome.runId);
  return {
    scenario,
    outcomes,
    kills: recovery.kills,
    recoveryMs: recovery.times,
    corruptionsInjected: corrupted.size,
  };

  async function settle(runId: string, startedAt: number): Promise<RunOutcome | null> {
    const run = await store.runs.get(runId);
    if (!run) throw new Error(`chaos run ${runId} vanished from the store`);
    let as: string | null = TERMINAL.has(run.status) ? run.status : null;
    if (!as && run.status === 'waiting') {
      const open = await store.escalations.list({ runId, status: 'open', limit: 100 });
      if (open.length > 0 && !(await approveAll(runId, open))) as = 'escalated';
    }
    if (!as && Date.now() - startedAt > options.runTimeoutMs) {
      await vigil.client.cancel(runId, { principal: 'vigil chaos' });
      as = 'timed_out';
    }
    return as
      ? readOutcome(store, run, scenario, as, Date.now(), corrupted.get(runId), approved.get(runId) ?? 0)
      : null;
  }

  /**
   * Grants `open` when every one is an approval for an assignee of `options.approve` (as that
   * person would, through the operator API): true if it did, and the run goes on.
   */
  async function approveAll(runId: string, open: readonly EscalationRecord[]): Promise<boolean> {
    const grantable = (e: EscalationRecord): boolean =>
      e.kind === 'approval' && e.assignee !== null && options.approve.includes(e.assignee);
    if (!open.every(grantable)) return false;
    for (const e of open) {
      await vigil.escalations.resolve(e.id, {
        decision: 'approve',
        resolvedBy: `vigil chaos (as ${e.assignee})`,
        note: 'approved by the chaos harness (--approve)',
      });
      approved.set(runId, (approved.get(runId) ?? 0) + 1);
    }
    return true;
  }

  /**
   * Kills the worker holding a run that has reached the current depth — how many results a run
   * must have, drawn from 1 to one less than the declared steps, anew after each kill, so later
   * steps (an at-most-once charge, say) are hit too, not only the first — then flips a bit in the
   * latest result of every run that worker held (runs started together are mostly at one
   * depth). Only calls with a failure policy are hit: a re-run or an escalation decides what the
   * corruption costs.
   */
  async function corruptBetweenWorkers(): Promise<void> {
    for (const runId of inFlight.keys()) {
      if (corrupted.has(runId)) continue;
      const run = await store.runs.get(runId);
      if (!run?.lease || run.status !== 'running') continue;
      if (results(await store.checkpoints.list(runId)).length < depth) continue;
      // Flipped while the killed worker's lease still holds the runs: nobody reads them meanwhile.
      await pool.killOwner(run.lease.owner, async (held) => {
        for (const victim of held) {
          const done = results(await store.checkpoints.list(victim));
          if (corrupted.has(victim) || done.length === 0) continue;
          const target = done[done.length - 1]!;
          const flip = await corruptCheckpoint({ database: options.database, runId: victim, seq: target.seq });
          const after = (await store.checkpoints.list(victim)).find((s) => s.seq === target.seq);
          corrupted.set(victim, { ...flip, text: after?.output ?? '' });
          recovery.forget(victim);
        }
      });
      depth = drawDepth();
      return;
    }
  }

  async function killLoop(): Promise<void> {
    while (killing) {
      const wait = options.killIntervalMs * (0.5 + random());
      const until = Date.now() + wait;
      while (killing && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
      if (killing) await pool.killOne(random);
    }
  }
}
