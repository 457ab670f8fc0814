import type { ErrorRecord } from '../core/errors.js';
import type { RunStatus } from '../core/run-status.js';
import type { StepKind, StepStatus } from '../core/step-identity.js';
import type { StepRecord } from '../store/checkpoint-store.js';
import type { RunRecord } from '../store/run-store.js';
import { computeProgress, type Progress } from './progress.js';

/** A run as the client API, HTTP API and CLI present it. Times are ISO 8601. */
export interface RunSummary {
  id: string;
  workflow: string;
  version: number;
  status: RunStatus;
  idempotencyKey: string | null;
  attempt: number;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** When a sleeping or queued run becomes claimable. */
  wakeAt: string | null;
}

export interface RunDetails extends RunSummary {
  input: unknown;
  output: unknown;
  error: ErrorRecord | null;
  steps: StepView[];
  progress: Progress;
}

export interface StepView {
  seq: number;
  name: string;
  kind: StepKind;
  status: StepStatus;
  attempts: number;
  startedAt: string;
  endedAt: string | null;
  /** For sleeps: when the timer fires. */
  wakeAt: string | null;
  error: ErrorRecord | null;
  /** False when the stored checkpoint failed its checksum. */
  intact: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function toRunSummary(run: RunRecord): RunSummary {
  return {
    id: run.id,
    workflow: run.workflow,
    version: run.version,
    status: run.status,
    idempotencyKey: run.idempotencyKey,
    attempt: run.attempt,
    createdAt: iso(run.createdAt),
    updatedAt: iso(run.updatedAt),
    finishedAt: isoOrNull(run.finishedAt),
    wakeAt: isoOrNull(run.readyAt),
  };
}

export function toRunDetails(
  run: RunRecord,
  steps: readonly StepRecord[],
  declaredSteps: readonly string[] | undefined,
): RunDetails {
  return {
    ...toRunSummary(run),
    input: parseStored(run.input),
    output: run.output === null ? null : parseStored(run.output),
    error: run.error,
    steps: steps.map(toStepView),
    progress: computeProgress(declaredSteps, steps, run.finishedAt !== null),
  };
}

function toStepView(step: StepRecord): StepView {
  return {
    seq: step.seq,
    name: step.name,
    kind: step.kind,
    status: step.status,
    attempts: step.attempts,
    startedAt: iso(step.startedAt),
    endedAt: isoOrNull(step.endedAt),
    wakeAt: isoOrNull(step.wakeAt),
    error: step.intact ? step.error : null,
    intact: step.intact,
  };
}

function parseStored(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
