/**
 * The runs a worker is executing, by run id, in the order they were launched.
 *
 * An array, not a `Map`: a `Map` that runs come and go through keeps replacing its table, and
 * V8 (Node 20) leaves each replaced table holding the entries it had and a pointer to its
 * successor. A worker outlives many scavenges, so one of its tables ends up in old space, and
 * from there the chain keeps every later table, and every run that was ever in one with all it
 * holds, alive through scavenges until the next mark-compact: about 95 MB when 10,000 runs are
 * started at once and go to sleep (bench/README.md, benchmark 6). The array keeps one backing
 * store, and a run that ends leaves no pointer to it there. Lookups scan it: there are at most
 * `concurrency` runs.
 */
export class ActiveRuns<T extends { readonly runId: string }> {
  private readonly runs: T[] = [];

  get size(): number {
    return this.runs.length;
  }

  get(runId: string): T | undefined {
    return this.runs.find((run) => run.runId === runId);
  }

  /** Adds `run`, in place of one with the same id if there is one. */
  set(run: T): void {
    const index = this.runs.findIndex((held) => held.runId === run.runId);
    if (index === -1) this.runs.push(run);
    else this.runs[index] = run;
  }

  /** Removes `run` if it is the one held under its id (a newer execution of it stays). */
  delete(run: T): void {
    const index = this.runs.indexOf(run);
    if (index !== -1) this.runs.splice(index, 1);
  }

  /** A copy: the caller may hold it while runs come and go. */
  values(): T[] {
    return [...this.runs];
  }
}
