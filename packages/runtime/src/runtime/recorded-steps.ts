import { CheckpointCorruptedError, EscalationAbortedError, StepFailedError } from '../core/errors.js';
import { SUCCESS_STATUSES } from '../core/step-identity.js';
import type { AnyWorkflow } from '../core/workflow.js';
import type { StepRecord, StepWrite } from '../store/checkpoint-store.js';
import type { RunRecord } from '../store/run-store.js';
import type { Suspension } from '../store/timer-store.js';

/** A promise that never settles: what a workflow awaits once its execution has stopped here. */
export const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/**
 * What replay hands the workflow for a step whose record is final: its result, or its error
 * rebuilt from the record, so the first execution and every replay behave the same. Undefined
 * while the step still has work to do (interrupted, retrying, waiting for a human).
 */
export function settledResult<T>(recorded: StepRecord): Promise<T> | undefined {
  if (SUCCESS_STATUSES.has(recorded.status)) return Promise.resolve(JSON.parse(recorded.output ?? 'null') as T);
  if (recorded.status === 'failed') {
    const failure = recorded.error!;
    if (failure.code === 'escalation_aborted') {
      const details = failure.details ?? {};
      return Promise.reject(
        new EscalationAbortedError(
          String(details['escalationId']),
          (details['resolvedBy'] as string | null) ?? null,
          (details['note'] as string | null) ?? null,
        ),
      );
    }
    return Promise.reject(new StepFailedError(recorded.name, failure, recorded.seq, recorded.attempts));
  }
  if (recorded.status === 'cancelled') return never();
  return undefined;
}

/** The suspension for a set of waits: the earliest timed one, or `waiting` on a human alone. */
export function earliestWake(
  waits: ReadonlyArray<{ wakeAt: number | null; status: Suspension['status'] }>,
): Suspension {
  let next: { wakeAt: number; status: Suspension['status'] } | undefined;
  for (const wait of waits) {
    if (wait.wakeAt !== null && (!next || wait.wakeAt < next.wakeAt))
      next = { wakeAt: wait.wakeAt, status: wait.status };
  }
  return next ?? { status: 'waiting', wakeAt: null };
}

/** The run's stored input, checked against its checksum and parsed by the workflow's schema. */
export function recordedInput(run: RunRecord, workflow: AnyWorkflow): unknown {
  if (!run.inputIntact) throw new CheckpointCorruptedError(run.id, 0, '$input');
  return workflow.input.parse(JSON.parse(run.input));
}

/** A recorded row as a row to write again. */
export function stripIntact(record: StepRecord): StepWrite {
  const { intact: _intact, ...row } = record;
  return row;
}
