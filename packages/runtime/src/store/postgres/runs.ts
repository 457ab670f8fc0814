import { sha256 } from '../../core/checksum.js';
import { ConflictError } from '../../core/errors.js';
import { canonicalJson } from '../../core/json.js';
import type { RunStatus } from '../../core/run-status.js';
import {
  newRunFlowColumns,
  OUTCOME_COLUMNS,
  RUN_COLUMNS,
  toRunOutcome,
  toRunRecord,
  type RunRow,
} from '../run-rows.js';
import type { CreateRunResult, NewRun, RunFilter, RunOutcome, RunRecord, RunStore } from '../run-store.js';
import { numberPlaceholders, runFilterConditions } from '../run-filter-sql.js';
import type { PgConnection } from './connection.js';
import { releaseLimitsSql } from './flow-control.js';

const TERMINAL = `('completed', 'completed_partial', 'failed', 'cancelled', 'dead_lettered')`;

export class PgRunStore implements RunStore {
  constructor(
    private readonly conn: PgConnection,
    private readonly channel: string,
    /** Told when a create that staged its `run.created` entry (`NewRun.audit`) has committed. */
    private readonly onStaged: () => void,
  ) {}

  async create(run: NewRun): Promise<CreateRunResult> {
    const { id, workflow, version, input, inputHash, idempotencyKey, principal, now, leaseTo } = run;
    const flow = newRunFlowColumns(run);
    if (leaseTo && run.copySteps) throw new Error(`run ${id} copies steps: only a claim may lease it`);
    // One statement: the release of a key held past the retention, the insert (or nothing, on a
    // key or id still taken) with its audit entry staged (`PgAuditStore` chains it) and, for a
    // queued run, the notification that wakes idle workers when it commits. The insert reads
    // `released` so the release runs first; the unique check then ignores the holder's old
    // version, which this statement replaced. A concurrent create with the same expired key waits
    // on the holder's row lock, finds the key gone when it may go on, and meets the winner's row
    // in the unique index instead: one new run. Sent again after a lost connection, the statement
    // releases nothing (the holder is now its own fresh run) and meets its own id.
    const [inserted] = await this.conn.query<RunRow>(
      `WITH released AS (
         UPDATE runs SET idempotency_key = NULL
         WHERE $8::text IS NOT NULL AND idempotency_key = $8::text AND created_at < $15::bigint - $18::bigint
         RETURNING id
       ), ins AS (
         INSERT INTO runs (id, workflow, version, status, input, input_checksum, input_hash, idempotency_key, principal,
           attempt, ready_at, lease_owner, lease_epoch, lease_expires_at, created_at, updated_at, replay_of,
           priority, flow_state, concurrency_limit, concurrency_key, key_limit, rate_limit, rate_period_ms, rate_key)
         SELECT $1::text, $2::text, $3::int, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::int,
           $11::bigint, $12::text, $13::bigint, $14::bigint, $15::bigint, $15::bigint, $17::text,
           $19::int, $20::smallint, $21::int, $22::text, $23::int, $24::int, $25::bigint, $26::text
         FROM (SELECT count(*) FROM released) AS release_first
         ON CONFLICT DO NOTHING
         RETURNING ${RUN_COLUMNS}
       ), copied AS (
         INSERT INTO steps (run_id, seq, name, kind, status, attempts, output, error, checksum, wake_at, started_at,
           ended_at, detail)
         SELECT ins.id, s.seq, s.name, s.kind, s.status, s.attempts, s.output, s.error, s.checksum, NULL, s.started_at,
           s.ended_at, s.detail
         FROM ins JOIN steps s ON s.run_id = $27::text AND s.seq < $28::int
       ), audit_staged_written AS (
         INSERT INTO audit_staged (at, type, run_id, principal, data)
         SELECT $29::bigint, $30::text, $31::text, $32::text, $33::text FROM ins WHERE $30::text IS NOT NULL
       ), woken AS (SELECT pg_notify($16, '') FROM ins WHERE ins.lease_owner IS NULL)
       SELECT *, (SELECT count(*) FROM woken) AS notified FROM ins`,
      [
        id,
        workflow,
        version,
        leaseTo ? 'running' : 'queued',
        input,
        sha256(input),
        inputHash,
        idempotencyKey,
        principal,
        leaseTo ? 1 : 0,
        leaseTo ? null : flow.readyAt,
        leaseTo?.owner ?? null,
        leaseTo ? 1 : 0,
        leaseTo ? now + leaseTo.leaseTtlMs : null,
        now,
        this.channel,
        run.replayOf ?? null,
        run.idempotencyRetentionMs,
        flow.priority,
        flow.flowState,
        flow.concurrencyLimit,
        flow.concurrencyKey,
        flow.keyLimit,
        flow.rateLimit,
        flow.ratePeriodMs,
        flow.rateKey,
        run.copySteps?.runId ?? null,
        run.copySteps?.beforeSeq ?? 0,
        ...stagedAudit(run.audit),
      ],
    );
    // Staged with the run, or on an earlier attempt whose answer the connection lost.
    if (run.audit) this.onStaged();
    if (inserted) return this.created(inserted, run);
    // Nothing inserted: the idempotency key is taken, or this very insert committed on an earlier
    // attempt whose answer was lost with the connection (the id is ours, fresh and random).
    const [existing] = await this.conn.query<RunRow & { input_hash: string }>(
      `SELECT ${RUN_COLUMNS}, input_hash FROM runs WHERE id = $1 OR (idempotency_key = $2 AND $2 IS NOT NULL) ORDER BY (id = $1) DESC LIMIT 1`,
      [id, idempotencyKey],
    );
    if (!existing) throw new Error(`run ${id} was neither inserted nor found`);
    if (existing.id === id) return this.created(existing, run);
    if (existing.workflow !== workflow || existing.input_hash !== inputHash) {
      throw new ConflictError(
        'idempotency_conflict',
        `Idempotency key ${JSON.stringify(idempotencyKey)} was already used for run ${existing.id} with a different ` +
          (existing.workflow !== workflow ? `workflow (${existing.workflow})` : 'input'),
        { path: 'idempotencyKey', details: { runId: existing.id } },
      );
    }
    return { id: existing.id, status: existing.status as RunStatus, created: false };
  }

  private created(row: RunRow, run: NewRun): CreateRunResult {
    const record = toRunRecord(row);
    if (!run.leaseTo) return { id: record.id, status: record.status, created: true };
    return {
      id: record.id,
      status: record.status,
      created: true,
      leased: { run: record, lease: { runId: record.id, owner: run.leaseTo.owner, epoch: record.lease?.epoch ?? 1 } },
    };
  }

  async get(id: string): Promise<RunRecord | null> {
    const [row] = await this.conn.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [id]);
    return row ? toRunRecord(row) : null;
  }

  async outcome(id: string): Promise<RunOutcome | null> {
    const [row] = await this.conn.query<RunRow>(`SELECT ${OUTCOME_COLUMNS} FROM runs WHERE id = $1`, [id]);
    return row ? toRunOutcome(row) : null;
  }

  async list(filter: RunFilter): Promise<RunRecord[]> {
    const { where, params } = runFilterConditions(filter, (column) => `strpos(${column}, ?) > 0`);
    params.push(filter.limit);
    const sql = `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = await this.conn.query<RunRow>(numberPlaceholders(sql), params);
    return rows.map(toRunRecord);
  }

  async cancel(id: string, now: number): Promise<RunRecord | null> {
    // Modifying CTEs do not show their effects to the rest of the statement, so the cancelled
    // row comes from RETURNING and the unchanged row, if nothing was cancelled, from the snapshot.
    // A run under limits records the releases of its limits with the cancel (see releaseLimitsSql).
    const [row] = await this.conn.query<RunRow>(
      `WITH cancelled AS (
         UPDATE runs SET status = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, lease_epoch = lease_epoch + 1,
           ready_at = NULL, held_on = NULL, updated_at = $2, finished_at = $2
         WHERE id = $1 AND status NOT IN ${TERMINAL}
         RETURNING ${RUN_COLUMNS}, flow_state, concurrency_limit, key_limit, rate_limit, rate_period_ms, rate_key
       ), ${releaseLimitsSql('cancelled', '$2', '$3', true)},
       open_steps AS (
         UPDATE steps SET status = 'cancelled', ended_at = $2
         WHERE run_id IN (SELECT id FROM cancelled) AND status IN ('running', 'sleeping', 'retrying', 'waiting')
       ), open_escalations AS (
         UPDATE escalations SET status = 'cancelled', resolved_at = $2
         WHERE run_id IN (SELECT id FROM cancelled) AND status = 'open'
       )
       SELECT ${RUN_COLUMNS}, (SELECT count(*) FROM flow_woken) AS notified FROM cancelled
       UNION ALL
       SELECT ${RUN_COLUMNS}, 0 FROM runs WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM cancelled)`,
      [id, now, this.channel],
    );
    return row ? toRunRecord(row) : null;
  }
}

/** The `run.created` entry's five parameters of the create statement; nulls when there is none. */
function stagedAudit(draft: NewRun['audit']): unknown[] {
  if (!draft) return [null, null, null, null, null];
  return [draft.at, draft.type, draft.runId, draft.principal, draft.text ?? canonicalJson(draft.data)];
}
