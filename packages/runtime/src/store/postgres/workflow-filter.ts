import type { WorkflowKey } from '../queue-store.js';

/**
 * A condition on the workflow version against an array parameter `$n` of `name@version`. It is
 * an expression on purpose: a condition on the `workflow` column would let the planner reach
 * ready runs through `runs_workflow`, reading every run of the workflow, finished ones too.
 */
export function ofWorkflows(parameter: number): string {
  return `(workflow || '@' || version) = ANY($${parameter}::text[])`;
}

export function workflowParams(workflows: readonly WorkflowKey[]): [string[]] {
  return [workflows.map((w) => `${w.name}@${w.version}`)];
}
