import type { RunStatus } from '../core/run-status.js';
import type { StepRecord } from '../store/checkpoint-store.js';
import type { EscalationRecord } from '../store/escalation-store.js';
import { estimateRemaining } from './eta.js';
import type { StepEstimates } from './step-durations.js';

export interface Progress {
  /** Declared steps that have completed (or, without declared steps, completed steps). */
  completed: number;
  /** The number of declared steps; null when the workflow declares none. */
  total: number | null;
  /** Names of steps running, sleeping, retrying or waiting for a human now. */
  current: string[];
  /**
   * Seconds until an unfinished run is expected to finish, from the historical durations of its
   * workflow version's steps (see `eta.ts`); null for finished runs, workflows without declared
   * steps, and when history cannot say.
   */
  etaSeconds: number | null;
  /**
   * One line for people, e.g. `Discharge in progress: 4/6 steps complete. Pharmacy
   * coordination pending pharmacist review. ETA 5 min.`
   */
  summary: string;
}

/** What an ETA needs: the workflow version's step estimates (undefined: none asked for) and the time now. */
export interface EtaInput {
  estimates: StepEstimates | undefined;
  now: number;
}

/** What a progress line needs to know about the workflow. */
export interface ProgressWorkflow {
  title: string;
  steps: readonly string[] | undefined;
  /** People's names for declared steps, e.g. `pharmacy` → `Pharmacy coordination`. */
  stepTitles: Readonly<Record<string, string>>;
}

const NAMED_KINDS = new Set(['step', 'tool', 'sleep', 'escalation', 'event', 'llm']);
/** Only steps that finished with their real result count as complete (not fallbacks, not escalated). */
const DONE = new Set(['completed']);

/** Progress of a run from its workflow's declared steps, its recorded steps and its open escalations. */
export function computeProgress(
  workflow: ProgressWorkflow,
  status: RunStatus,
  steps: readonly StepRecord[],
  openEscalations: readonly EscalationRecord[] = [],
  eta?: EtaInput,
): Progress {
  const named = steps.filter((step) => NAMED_KINDS.has(step.kind));
  const doneNames = new Set(named.filter((s) => DONE.has(s.status)).map((s) => s.name));
  const declared = workflow.steps;
  const completed = declared ? declared.filter((name) => doneNames.has(name)).length : doneNames.size;
  const total = declared ? declared.length : null;
  const current = named
    .filter((s) => ['running', 'sleeping', 'retrying', 'waiting'].includes(s.status))
    .map((s) => s.name);
  const count =
    total === null ? `${completed} step${completed === 1 ? '' : 's'} complete` : `${completed}/${total} steps complete`;
  const title = (name: string): string => workflow.stepTitles[name] ?? `Step "${name}"`;
  const sentences = [`${workflow.title} ${stateWord(status)}: ${count}.`];
  const finished = ['completed', 'completed_partial', 'failed', 'cancelled', 'dead_lettered'].includes(status);
  if (!finished) {
    for (const s of named) {
      if (s.status === 'running') sentences.push(`${title(s.name)} running.`);
      if (s.status === 'sleeping') sentences.push(`${title(s.name)} sleeping until ${iso(s.wakeAt)}.`);
      if (s.status === 'retrying') {
        sentences.push(`${title(s.name)} retrying after ${s.attempts} failed attempt${s.attempts === 1 ? '' : 's'}.`);
      }
    }
  }
  for (const e of [...openEscalations].sort((a, b) => a.seq - b.seq)) {
    sentences.push(`${title(e.step)} pending ${e.assignee ? `${e.assignee} ` : ''}review.`);
  }
  const remaining =
    finished || !eta
      ? { seconds: null, sentence: null }
      : estimateRemaining(declared, named, openEscalations, eta.estimates, eta.now);
  if (remaining.sentence) sentences.push(remaining.sentence);
  return { completed, total, current, etaSeconds: remaining.seconds, summary: sentences.join(' ') };
}

function stateWord(status: RunStatus): string {
  switch (status) {
    case 'completed':
      return 'completed';
    case 'completed_partial':
      return 'partially completed';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'cancelled';
    case 'dead_lettered':
      return 'dead-lettered';
    case 'queued':
      return 'queued';
    default:
      return 'in progress';
  }
}

function iso(ms: number | null): string {
  return ms === null ? 'later' : new Date(ms).toISOString();
}
