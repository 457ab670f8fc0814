// What the peer benchmark needs from each system: run one 10-step workflow to completion, and
// count from the system's own records what it ran, so an adapter that silently does nothing fails.

/** The systems compared, as named in the results. */
export const SYSTEMS = ['vigil-sqlite', 'vigil-postgres', 'dbos', 'langgraph', 'pg-boss'] as const;
export type SystemName = (typeof SYSTEMS)[number];

/** Where an adapter keeps its state: a directory for SQLite files, a PostgreSQL database URL. */
export interface AdapterPlace {
  /** An empty directory of the adapter's own. */
  dir: string;
  /** A URL of an empty PostgreSQL database of the adapter's own (`''` when none is needed). */
  databaseUrl: string;
  /** Workflows the adapter may run at once (its worker concurrency, where it has one). */
  concurrency: number;
}

/** What a system's own records show: finished workflows, and steps recorded as completed. */
export interface RecordedWork {
  workflows: number;
  steps: number;
}

export interface PeerAdapter {
  readonly name: SystemName;
  /** Runs workflow `run` to completion and resolves with its last step's value. */
  runWorkflow(run: number): Promise<string>;
  /** Counts finished workflows and completed steps in the system's own tables. */
  recorded(): Promise<RecordedWork>;
  /** The durability settings the adapter runs with, for the report. */
  durability(): Promise<string>;
  close(): Promise<void>;
}

export type OpenAdapter = (place: AdapterPlace) => Promise<PeerAdapter>;
