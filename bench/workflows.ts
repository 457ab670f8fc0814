// The workflow most benchmarks run: ten checkpointed steps, each returning a 100-byte object.
import { defineWorkflow } from 'vigil';
import { z } from 'zod';

export const STEPS_PER_WORKFLOW = 10;

export interface StepResult {
  run: number;
  step: number;
  note: string;
}

/** A step result whose JSON is 100 bytes for small run numbers; the raw baseline stores the same text. */
export function stepResult(run: number, step: number): StepResult {
  return { run, step, note: 'checkpointed step result, about one hundred bytes of JSON in all........' };
}

export const RESULT_BYTES = JSON.stringify(stepResult(1, 1)).length;

export const tenSteps = defineWorkflow(
  { name: 'bench.ten-steps', version: 1, input: z.object({ run: z.number().int() }) },
  async (ctx, input) => {
    let last = stepResult(input.run, 0);
    for (let step = 1; step <= STEPS_PER_WORKFLOW; step++) {
      last = await ctx.step(`step-${step}`, () => stepResult(input.run, step));
    }
    return { run: input.run, steps: last.step };
  },
);
