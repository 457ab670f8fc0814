import type { ErrorRecord } from '../core/errors.js';
import type { RunStatus } from '../core/run-status.js';
import type { Lease } from './lease.js';

/** A run as stored. JSON payloads stay as text; the runtime parses them when it needs them. */
export interface RunRecord {
  id: string;
  workflow: string;
  version: number;
  status: RunStatus;
  /** The input as JSON text, exactly as accepted. */
  input: string;
  /** False when the stored input no longer matches its checksum. */
  inputIntact: boolean;
  output: string | null;
  error: ErrorRecord | null;
  /** For `completed_partial`: what is missing, e.g. "Discharge 80% complete, awaiting pharmacy confirmation". */
  summary: string | null;
  /** The run this one replays with edited input, if any. */
  replayOf: string | null;
  /**
   * The key it was started with, while it holds it: null once the retention window passed and a
   * later create with the same key released it (that create's run holds the key now).
   */
  idempotencyKey: string | null;
  /** Who started the run (an API key, a user, a schedule), when known. */
  principal: string | null;
  /** How many times a worker has claimed the run. */
  attempt: number;
  /** When the run may next be claimed (queued, sleeping, handed back); null while leased or finished. */
  readyAt: number | null;
  lease: { owner: string; epoch: number; expiresAt: number } | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export interface NewRun {
  id: string;
  workflow: string;
  version: number;
  input: string;
  /** Identifies the input for idempotency: same key + same hash is the same trigger. */
  inputHash: string;
  idempotencyKey: string | null;
  /**
   * How long a run holds its idempotency key: a run holding `idempotencyKey` that was created
   * more than this many milliseconds before `now` no longer holds it. The create releases it
   * (sets its `idempotencyKey` to null, leaving the rest of it as it was) and inserts this run,
   * which holds the key from then on. Positive.
   */
  idempotencyRetentionMs: number;
  principal: string | null;
  /** The dead-lettered run this one replays with edited input. */
  replayOf?: string | null;
  now: number;
  /**
   * Create the run already leased to this worker (epoch 1, first attempt), for a trigger in a
   * process whose own worker has a free slot: no claim, no wait for a poll.
   */
  leaseTo?: { owner: string; leaseTtlMs: number };
}

export interface CreateRunResult {
  id: string;
  status: RunStatus;
  /** False when the idempotency key matched an existing run with the same input. */
  created: boolean;
  /** The new run and its lease, when it was created with `leaseTo`. */
  leased?: { run: RunRecord; lease: Lease };
}

export interface RunFilter {
  status?: RunStatus;
  workflow?: string;
  /** Only runs whose id sorts before this one (ids sort by creation time): the page cursor. */
  before?: string;
  limit: number;
}

/** The runs aggregate: creating, reading and cancelling runs. */
export interface RunStore {
  /**
   * Inserts a queued run, ready at once (or leased, with `leaseTo`). With an idempotency key held by a
   * run created within `idempotencyRetentionMs`: returns that run when the workflow and input hash
   * match, otherwise throws `ConflictError` (`idempotency_conflict`). A holder older than that
   * loses the key to the new run in the same transaction, so concurrent creates with one expired
   * key still make one run. Durable before it resolves.
   */
  create(run: NewRun): Promise<CreateRunResult>;
  get(id: string): Promise<RunRecord | null>;
  /** Newest first. */
  list(filter: RunFilter): Promise<RunRecord[]>;
  /**
   * Cancels a run that has not finished: marks it `cancelled`, clears its lease and bumps the
   * lease epoch, so a worker still executing it can commit nothing more. Its open escalations
   * are marked `cancelled`. Returns the run as it
   * is afterwards (unchanged when it had already finished), or null when there is no such run.
   */
  cancel(id: string, now: number): Promise<RunRecord | null>;
}
