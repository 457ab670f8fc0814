import { InvalidArgumentError } from '../core/errors.js';
import type { ClaimedRun } from '../store/queue-store.js';
import { RunExecution, type ExecutionDeps } from './run-execution.js';
import type { WorkflowRegistry } from './workflow-registry.js';

/** Turns a claimed run into a running {@link RunExecution} of its pinned workflow version. */
export class Executor {
  constructor(
    private readonly deps: ExecutionDeps,
    private readonly registry: WorkflowRegistry,
  ) {}

  execute(claimed: ClaimedRun): RunExecution {
    const { workflow: name, version } = claimed.run;
    const workflow = this.registry.get(name, version);
    // Workers claim only the workflow versions they have, so this means a caller bypassed that.
    if (!workflow) throw new InvalidArgumentError(`Workflow ${name} version ${version} is not registered here`);
    const execution = new RunExecution(this.deps, workflow, claimed);
    execution.start();
    return execution;
  }
}
