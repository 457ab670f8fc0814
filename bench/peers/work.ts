// The work every system's steps do, so the work is equal: a SHA-256 of the run number, the step
// number and the previous step's value. Deterministic, so a finished workflow's last value proves
// that all ten steps ran, in order, on their predecessors' outputs.
import { createHash } from 'node:crypto';

import { performance } from '../clock.js';

export const STEPS = 10;

/** One step's work: a 64-character hex digest of its inputs. */
export function stepWork(run: number, step: number, previous: string): string {
  return createHash('sha256').update(`${run}:${step}:${previous}`).digest('hex');
}

/** The value a workflow of run `run` ends with when all ten steps ran. */
export function expectedFinal(run: number): string {
  let value = '';
  for (let step = 1; step <= STEPS; step++) value = stepWork(run, step, value);
  return value;
}

/** What the work alone costs per step, in ms: the figure subtracted from each system's time per step. */
export function measureWorkMsPerStep(workflows = 20_000): number {
  for (let run = 0; run < 1000; run++) expectedFinal(run);
  const started = performance.now();
  let sink = 0;
  for (let run = 0; run < workflows; run++) sink += expectedFinal(run).length;
  const elapsed = performance.now() - started;
  if (sink !== workflows * 64) throw new Error('the work computed the wrong digests');
  return elapsed / (workflows * STEPS);
}
