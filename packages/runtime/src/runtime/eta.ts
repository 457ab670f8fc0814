import type { StepRecord } from '../store/checkpoint-store.js';
import type { EscalationRecord } from '../store/escalation-store.js';
import type { StepEstimates } from './step-durations.js';

/** A run's expected remaining time, and the sentence that ends its progress line. */
export interface Eta {
  /** Seconds until the run is expected to finish; null when history cannot say. */
  seconds: number | null;
  /** `ETA 5 min.`, `ETA under a minute.`, `Waiting for a person; no ETA.`; null when nothing is said. */
  sentence: string | null;
}

const IN_PROGRESS = new Set(['running', 'retrying', 'sleeping', 'waiting']);

/**
 * The expected remaining time of an unfinished run with declared steps: for each declared
 * step not yet recorded, its historical median; for one in progress, what is left of its median
 * (a sleep: until its known wake time); for one waiting on a blocking escalation, the median of
 * that step's past executions (people's answer time included), or no ETA at all without one:
 * "waiting for a person". Non-blocking escalations are not waited for and add nothing. A step
 * with no history makes the whole estimate unknown rather than wrong.
 */
export function estimateRemaining(
  declared: readonly string[] | undefined,
  steps: readonly StepRecord[],
  openEscalations: readonly EscalationRecord[],
  estimates: StepEstimates | undefined,
  now: number,
): Eta {
  if (!declared || !estimates) return { seconds: null, sentence: null };
  const latest = new Map<string, StepRecord>();
  for (const step of steps) latest.set(step.name, step);
  const waitingOnPerson = new Set(openEscalations.filter((e) => e.blocking).map((e) => e.step));
  let ms = 0;
  for (const name of new Set(declared)) {
    const step = latest.get(name);
    if (step && !IN_PROGRESS.has(step.status)) continue;
    const expected = estimates.get(name);
    if (step?.status === 'sleeping' && step.wakeAt !== null) {
      ms += Math.max(0, step.wakeAt - now);
      continue;
    }
    if (expected === undefined) {
      const person = step?.status === 'waiting' || waitingOnPerson.has(name);
      return { seconds: null, sentence: person ? 'Waiting for a person; no ETA.' : null };
    }
    ms += step ? Math.max(0, expected - (now - step.startedAt)) : expected;
  }
  const seconds = Math.round(ms / 1000);
  return { seconds, sentence: `ETA ${formatEta(seconds)}.` };
}

/** `under a minute`, `5 min`, `2 h 10 min`, `3 days`. */
export function formatEta(seconds: number): string {
  if (seconds < 60) return 'under a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.round(hours / 24)} days`;
}
