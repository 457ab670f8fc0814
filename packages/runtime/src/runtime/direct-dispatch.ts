import type { ClaimedRun, WorkflowKey } from '../store/queue-store.js';

/**
 * A place on a worker in this process, held for a run about to be created. The run is inserted
 * already leased to that worker and starts executing at once: no claim transaction, no wait for
 * the worker to wake up and poll. Never for a run under concurrency or rate limits: only a
 * claim, which counts the active runs, may start one (`VigilClient.start` asks for no slot).
 */
export interface DirectSlot {
  owner: string;
  leaseTtlMs: number;
  /** Starts executing the run the store created under this slot's lease. */
  launch(claimed: ClaimedRun): void;
  /** Gives the place back unused (the trigger matched an existing run, or failed). */
  release(): void;
}

/** A worker that can take runs created in its own process directly. */
export interface DirectDispatcher {
  /** A slot if the worker runs this workflow version and has a free place now. */
  reserve(workflow: WorkflowKey): DirectSlot | undefined;
  /**
   * Whether this worker is executing run `runId` and has not ended it yet: if it ends the run, it
   * reports the committed ending to the `RunEndWaiters` it shares with the client.
   */
  executing(runId: string): boolean;
}
