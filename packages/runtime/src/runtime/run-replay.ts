import { ConflictError, NotFoundError, ValidationError } from '../core/errors.js';
import { isTerminalStatus } from '../core/run-status.js';
import type { AnyWorkflow } from '../core/workflow.js';
import { CODE_PRINCIPAL } from '../governance/principal.js';
import type { Store } from '../store/store.js';
import type { StartOptions, StartResult } from './client.js';
import type { RuntimeEvents } from './events.js';
import type { WorkflowRegistry } from './workflow-registry.js';

export interface ReplayRunOptions {
  /**
   * Re-execute from this step's sequence number: the steps before it keep their checkpoints (they
   * are copied into the new run). Only for a finished run. Absent: the new run starts from the top.
   */
  fromSeq?: number;
  principal?: string | null;
}

export interface ReplayRunResult {
  id: string;
  replayOf: string;
  fromSeq: number | null;
}

type Start = (workflow: AnyWorkflow, input: unknown, options: StartOptions) => Promise<StartResult>;

/**
 * Replays a run as a new run (see `VigilClient.replay`). The original is never changed, so a
 * replay can be repeated; each starts its own run. Nothing is written when a check fails.
 */
export async function replayRun(
  deps: { store: Store; registry: WorkflowRegistry; events: RuntimeEvents },
  start: Start,
  id: string,
  options: ReplayRunOptions,
): Promise<ReplayRunResult> {
  const run = await deps.store.runs.get(id);
  if (!run) throw new NotFoundError('run_not_found', `No run with id ${id}`, { path: 'id' });
  const workflow = deps.registry.get(run.workflow, run.version);
  if (!workflow) {
    throw new NotFoundError(
      'workflow_not_found',
      `Workflow ${run.workflow} version ${run.version} is not registered in this process; it cannot replay run ${id}`,
      { path: 'id' },
    );
  }
  if (!run.inputIntact) {
    // Replaying would start a new run on a value nobody wrote: start a fresh run with its input.
    throw new ConflictError(
      'input_corrupted',
      `The stored input of run ${id} does not match its checksum; it cannot be replayed`,
      {
        path: 'id',
      },
    );
  }
  const fromSeq = options.fromSeq ?? null;
  if (fromSeq !== null) {
    if (!isTerminalStatus(run.status)) {
      throw new ConflictError(
        'run_in_flight',
        `Run ${id} is ${run.status}; replaying it from a step needs it finished (cancel it first)`,
        { path: 'id' },
      );
    }
    const steps = await deps.store.checkpoints.list(id);
    const last = steps.at(-1)?.seq ?? 0;
    if (!Number.isSafeInteger(fromSeq) || !steps.some((s) => s.seq === fromSeq)) {
      throw new ValidationError(
        'from_seq_out_of_range',
        last === 0
          ? `Run ${id} has no steps to replay from`
          : `fromSeq must be the sequence number of one of run ${id}'s steps, 1 to ${last}; got ${fromSeq}`,
        { path: 'fromSeq' },
      );
    }
  }
  const principal = options.principal ?? CODE_PRINCIPAL;
  const started = await start(workflow, JSON.parse(run.input) as unknown, {
    replayOf: id,
    principal,
    ...(fromSeq === null ? {} : { copySteps: { runId: id, beforeSeq: fromSeq } }),
  });
  deps.events.emit('run.replayed', {
    runId: started.id,
    replayOf: id,
    workflow: run.workflow,
    fromSeq,
    principal,
  });
  return { id: started.id, replayOf: id, fromSeq };
}
