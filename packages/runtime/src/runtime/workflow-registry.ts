import { InvalidArgumentError, NotFoundError } from '../core/errors.js';
import type { AnyWorkflow } from '../core/workflow.js';
import type { WorkflowKey } from '../store/queue-store.js';

/** The workflows this process can start and execute, by name and version. */
export class WorkflowRegistry {
  private readonly byName = new Map<string, Map<number, AnyWorkflow>>();

  constructor(workflows: readonly AnyWorkflow[] = []) {
    for (const workflow of workflows) this.register(workflow);
  }

  register(workflow: AnyWorkflow): void {
    let versions = this.byName.get(workflow.name);
    if (!versions) {
      versions = new Map();
      this.byName.set(workflow.name, versions);
    }
    const existing = versions.get(workflow.version);
    if (existing && existing !== workflow) {
      throw new InvalidArgumentError(`Workflow ${workflow.name} version ${workflow.version} is registered twice`);
    }
    versions.set(workflow.version, workflow);
  }

  /** The highest registered version: what new runs of `name` start on. */
  latest(name: string): AnyWorkflow {
    const versions = this.byName.get(name);
    if (!versions) {
      throw new NotFoundError('workflow_not_found', `No workflow named ${JSON.stringify(name)} is registered`, {
        path: 'workflow',
      });
    }
    return versions.get(Math.max(...versions.keys()))!;
  }

  get(name: string, version: number): AnyWorkflow | undefined {
    return this.byName.get(name)?.get(version);
  }

  list(): AnyWorkflow[] {
    return [...this.byName.values()].flatMap((versions) => [...versions.values()]);
  }

  /** The highest version of each workflow: what triggers start. */
  latestVersions(): AnyWorkflow[] {
    return [...this.byName.keys()].map((name) => this.latest(name));
  }

  keys(): WorkflowKey[] {
    return this.list().map((w) => ({ name: w.name, version: w.version }));
  }
}
