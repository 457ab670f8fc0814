import { sha256 } from '../core/checksum.js';
import type { ErrorRecord } from '../core/errors.js';
import type { RunStatus } from '../core/run-status.js';
import type { FlowLimitKind, NewRun, RunOutcome, RunRecord } from './run-store.js';

/** A row of the `runs` table, as both dialects return it (times as epoch milliseconds). */
export interface RunRow {
  id: string;
  workflow: string;
  version: number;
  status: string;
  input: string;
  input_checksum: string;
  output: string | null;
  error: string | null;
  summary: string | null;
  replay_of: string | null;
  idempotency_key: string | null;
  principal: string | null;
  attempt: number;
  ready_at: number | null;
  lease_owner: string | null;
  lease_epoch: number;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  priority: number;
  concurrency_key: string | null;
  held_on: string | null;
}

export const RUN_COLUMNS =
  'id, workflow, version, status, input, input_checksum, output, error, summary, replay_of, idempotency_key, ' +
  'principal, attempt, ready_at, lease_owner, lease_epoch, lease_expires_at, created_at, updated_at, finished_at, ' +
  'priority, concurrency_key, held_on';

/** Maps a row to a record, verifying the input against its checksum. */
export function toRunRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    workflow: row.workflow,
    version: row.version,
    status: row.status as RunStatus,
    input: row.input,
    inputIntact: sha256(row.input) === row.input_checksum,
    output: row.output,
    error: row.error === null ? null : parseError(row.error),
    summary: row.summary,
    replayOf: row.replay_of,
    idempotencyKey: row.idempotency_key,
    principal: row.principal,
    attempt: row.attempt,
    readyAt: row.ready_at,
    lease:
      row.lease_owner === null
        ? null
        : { owner: row.lease_owner, epoch: row.lease_epoch, expiresAt: row.lease_expires_at ?? 0 },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
    priority: row.priority,
    concurrencyKey: row.concurrency_key,
    heldBy: heldBy(row.held_on),
  };
}

export const OUTCOME_COLUMNS = 'status, output, error';

export function toRunOutcome(row: Pick<RunRow, 'status' | 'output' | 'error'>): RunOutcome {
  return {
    status: row.status as RunStatus,
    output: row.output,
    error: row.error === null ? null : parseError(row.error),
  };
}

/** What `held_on` names: `c` (the workflow-wide limit), `k:<key>` or `r:<key>`. */
function heldBy(gate: string | null): FlowLimitKind | null {
  if (gate === null) return null;
  if (gate === 'c') return 'concurrency';
  return gate.startsWith('k:') ? 'concurrency_key' : 'rate_limit';
}

function parseError(text: string): ErrorRecord {
  try {
    return JSON.parse(text) as ErrorRecord;
  } catch {
    return { name: 'Error', message: 'The stored error could not be read', code: 'error_unreadable' };
  }
}

/** The flow-control columns of a new run, and its place in the queue. */
export interface NewRunFlowColumns {
  priority: number;
  /** Creation time minus the priority: runs are claimed in `ready_at` order. */
  readyAt: number;
  /** 1 when its first claim must pass limits, else 0. */
  flowState: 0 | 1;
  concurrencyLimit: number | null;
  concurrencyKey: string | null;
  keyLimit: number | null;
  rateLimit: number | null;
  ratePeriodMs: number | null;
  rateKey: string | null;
}

export function newRunFlowColumns(run: NewRun): NewRunFlowColumns {
  const priority = run.priority ?? 0;
  const flow = run.flow ?? null;
  const limited = flow !== null && (flow.concurrency !== null || flow.keyed !== null || flow.rate !== null);
  if (limited && run.leaseTo) {
    throw new Error(`run ${run.id} is under flow control: only a claim may lease it, not its creation`);
  }
  return {
    priority,
    readyAt: run.now - priority * 1000,
    flowState: limited ? 1 : 0,
    concurrencyLimit: flow?.concurrency ?? null,
    concurrencyKey: flow?.keyed?.key ?? null,
    keyLimit: flow?.keyed?.limit ?? null,
    rateLimit: flow?.rate?.limit ?? null,
    ratePeriodMs: flow?.rate?.periodMs ?? null,
    rateKey: flow?.rate?.key ?? null,
  };
}
