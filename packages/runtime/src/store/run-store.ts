import type { ErrorRecord } from '../core/errors.js';
import type { RunStatus } from '../core/run-status.js';
import type { AuditDraft } from './audit-store.js';
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
  /**
   * When the run may next be claimed (queued, sleeping, handed back); null while leased or finished.
   * A new run's is its creation time minus its priority, so it can be in the past.
   */
  readyAt: number | null;
  /** Seconds (0–600) it was put ahead of runs queued at the same time. */
  priority: number;
  /** The key its keyed concurrency limit counts it under, if its workflow has one. */
  concurrencyKey: string | null;
  /**
   * The limit holding this queued run back from its first claim, until a slot or the rate window
   * frees: the workflow-wide or keyed concurrency limit, or the rate limit. Null otherwise.
   */
  heldBy: FlowLimitKind | null;
  lease: { owner: string; epoch: number; expiresAt: number } | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

/** A run's status with its output (completed) or error (failed, dead-lettered, cancelled). */
export type RunOutcome = Pick<RunRecord, 'status' | 'output' | 'error'>;

export type FlowLimitKind = 'concurrency' | 'concurrency_key' | 'rate_limit';

/**
 * The limits a run's first claim must pass, fixed when it is created (decision record 7): taken
 * from its workflow's definition, with the keys computed from its input.
 */
export interface NewRunFlow {
  /** Active runs of the workflow, all versions. */
  concurrency: number | null;
  /** Active runs of the workflow with this key. */
  keyed: { limit: number; key: string } | null;
  /** First claims per period, of the workflow (`key` '') or of runs with this key. */
  rate: { limit: number; periodMs: number; key: string } | null;
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
  /** The run this one replays: a dead letter replayed with edited input, or `POST /v1/runs/:id/replay`. */
  replayOf?: string | null;
  /**
   * Copy this run's steps numbered below `beforeSeq` into the new run in the same transaction, so
   * they return their checkpoints instead of executing (replay from a step). Never with `leaseTo`.
   */
  copySteps?: { runId: string; beforeSeq: number };
  now: number;
  /** Seconds (0–600): the run is queued as if created that much earlier (`ready_at = now - priority`). */
  priority?: number;
  /**
   * Limits its first claim must pass; null or absent for none. A run with limits is never created
   * with `leaseTo`: only a claim may admit it.
   */
  flow?: NewRunFlow | null;
  /**
   * Create the run already leased to this worker (epoch 1, first attempt), for a trigger in a
   * process whose own worker has a free slot: no claim, no wait for a poll.
   */
  leaseTo?: { owner: string; leaseTtlMs: number };
  /**
   * The run's `run.created` audit entry, committed with the run only if this create inserts it
   * (chained, or staged for the next append), by a store whose `audit.appendsWithSteps` is true.
   */
  audit?: AuditDraft & { at: number };
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
  /** Any of these statuses; absent or empty for every status. */
  statuses?: readonly RunStatus[];
  workflow?: string;
  /** Created at or after, epoch ms. */
  createdFrom?: number;
  /** Created before, epoch ms. */
  createdTo?: number;
  /**
   * A run id or the start of one, or text found in the input JSON (case-insensitive). The input
   * is scanned row by row: it narrows a page, it is not a full-text index.
   */
  search?: string;
  /** Only runs whose id sorts before this one (ids sort by creation time): the page cursor. */
  before?: string;
  limit: number;
}

/** The runs aggregate: creating, reading and cancelling runs. */
export interface RunStore {
  /**
   * Inserts a queued run, ready at once or earlier by its priority (or leased, with `leaseTo`). With an idempotency key held by a
   * run created within `idempotencyRetentionMs`: returns that run when the workflow and input hash
   * match, otherwise throws `ConflictError` (`idempotency_conflict`). A holder older than that
   * loses the key to the new run in the same transaction, so concurrent creates with one expired
   * key still make one run. Durable before it resolves.
   */
  create(run: NewRun): Promise<CreateRunResult>;
  get(id: string): Promise<RunRecord | null>;
  /**
   * What `result()` waits for: the run's status and, once it ended, its output or error. Reads
   * neither the input nor its checksum, which `get` verifies on every call.
   */
  outcome(id: string): Promise<RunOutcome | null>;
  /** Newest first. */
  list(filter: RunFilter): Promise<RunRecord[]>;
  /**
   * Cancels a run that has not finished: marks it `cancelled`, clears its lease and bumps the
   * lease epoch, so a worker still executing it can commit nothing more. Its open escalations
   * are marked `cancelled`. A run under flow control releases a held run of each of its limits. Returns the run as it
   * is afterwards (unchanged when it had already finished), or null when there is no such run.
   */
  cancel(id: string, now: number): Promise<RunRecord | null>;
}
