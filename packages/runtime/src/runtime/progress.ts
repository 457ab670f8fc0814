import type { StepRecord } from '../store/checkpoint-store.js';

export interface Progress {
  /** Declared steps that have completed (or, without declared steps, completed steps). */
  completed: number;
  /** The number of declared steps; null when the workflow declares none. */
  total: number | null;
  /** Names of steps running or sleeping now. */
  current: string[];
  /** One line for people, e.g. `4/6 steps complete; running pharmacy`. */
  summary: string;
}

/** Progress of a run from its workflow's declared steps and its recorded steps. */
export function computeProgress(
  declared: readonly string[] | undefined,
  steps: readonly StepRecord[],
  finished: boolean,
): Progress {
  const named = steps.filter((step) => step.kind === 'step' || step.kind === 'sleep');
  const completedNames = new Set(named.filter((s) => s.status === 'completed').map((s) => s.name));
  const current = named.filter((s) => s.status === 'running' || s.status === 'sleeping').map((s) => s.name);
  const completed = declared ? declared.filter((name) => completedNames.has(name)).length : completedNames.size;
  const total = declared ? declared.length : null;
  const count =
    total === null ? `${completed} step${completed === 1 ? '' : 's'} complete` : `${completed}/${total} steps complete`;
  const sleeping = named.filter((s) => s.status === 'sleeping').map((s) => s.name);
  const running = named.filter((s) => s.status === 'running').map((s) => s.name);
  const parts = [count];
  if (!finished && running.length > 0) parts.push(`running ${running.join(', ')}`);
  if (!finished && sleeping.length > 0) parts.push(`sleeping in ${sleeping.join(', ')}`);
  return { completed, total, current, summary: parts.join('; ') };
}
