import { readFileSync } from 'node:fs';

import { importModule, toolsOf, workflowsOf } from '../../cli/load-workflows.js';
import { InvalidArgumentError, NotFoundError } from '../../core/errors.js';
import type { AnyTool } from '../../core/tool.js';
import type { AnyWorkflow } from '../../core/workflow.js';

/** The user's module as the harness sees it: the workflow under test, its tools, its inputs. */
export interface ChaosModule {
  workflow: AnyWorkflow;
  tools: AnyTool[];
  /** The input of run number `i` (from 0). */
  input(i: number): unknown;
}

/**
 * Loads the module the workers will load, picks the workflow by name and finds the inputs: a
 * JSON file holding an array (used in turn), else the module's `chaosInputs(i)` function, else
 * its `chaosInput` value.
 */
export async function loadChaosModule(options: {
  load: string;
  workflow: string;
  inputs: string | null;
  cwd: string;
}): Promise<ChaosModule> {
  const module = await importModule(options.load, options.cwd);
  const workflows = workflowsOf(module);
  const workflow = workflows.find((w) => w.name === options.workflow);
  if (!workflow) {
    throw new NotFoundError(
      'workflow_not_found',
      `${options.load} exports no workflow named ${options.workflow}; it exports: ${workflows.map((w) => w.name).join(', ') || 'none'}`,
    );
  }
  return { workflow, tools: toolsOf(module), input: inputsOf(module, options) };
}

function inputsOf(
  module: Record<string, unknown>,
  options: { load: string; inputs: string | null },
): (i: number) => unknown {
  if (options.inputs !== null) {
    let list: unknown;
    try {
      list = JSON.parse(readFileSync(options.inputs, 'utf8'));
    } catch (error) {
      throw new InvalidArgumentError(`--inputs ${options.inputs}: cannot read a JSON array (${String(error)})`, {
        path: 'inputs',
      });
    }
    if (!Array.isArray(list) || list.length === 0) {
      throw new InvalidArgumentError(`--inputs ${options.inputs}: expected a non-empty JSON array of inputs`, {
        path: 'inputs',
      });
    }
    const inputs: unknown[] = list;
    return (i) => inputs[i % inputs.length];
  }
  const generate = module['chaosInputs'];
  if (typeof generate === 'function') return (i) => (generate as (i: number) => unknown)(i);
  if ('chaosInput' in module) return () => module['chaosInput'];
  throw new InvalidArgumentError(
    `No inputs for the chaos runs: pass --inputs <file.json> (an array), or export from ${options.load} ` +
      "`chaosInputs(i: number)` returning run i's input, or a `chaosInput` value used for every run",
    { path: 'inputs' },
  );
}
