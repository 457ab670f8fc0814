import { sha256 } from '../../core/checksum.js';
import { ConflictError } from '../../core/errors.js';
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
import { runFilterConditions } from '../run-filter-sql.js';
import type { SqliteConnection } from './connection.js';
import { FLOW_COLUMNS, SqliteFlowControl, type FlowRow } from './flow-control.js';

const SELECT_BY_ID = `SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`;
const SELECT_OUTCOME = `SELECT ${OUTCOME_COLUMNS} FROM runs WHERE id = ?`;
const SELECT_BY_KEY = 'SELECT id, workflow, status, input_hash, created_at FROM runs WHERE idempotency_key = ?';
// The run keeps everything but the key: it stays readable, and the key is free for the new run.
const RELEASE_KEY = 'UPDATE runs SET idempotency_key = NULL WHERE id = ?';
const INSERT = `INSERT INTO runs (id, workflow, version, status, input, input_checksum, input_hash, idempotency_key,
  principal, replay_of, ready_at, created_at, updated_at, priority, flow_state, concurrency_limit, concurrency_key,
  key_limit, rate_limit, rate_period_ms, rate_key)
  VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const INSERT_LEASED = `INSERT INTO runs (id, workflow, version, status, input, input_checksum, input_hash, idempotency_key,
  principal, replay_of, attempt, lease_owner, lease_epoch, lease_expires_at, created_at, updated_at, priority)
  VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, 1, ?, 1, ?, ?, ?, ?) RETURNING ${RUN_COLUMNS}`;
// Replay from a step: the original's steps before it, checkpoints and checksums as they are.
const COPY_STEPS = `INSERT INTO steps (run_id, seq, name, kind, status, attempts, output, error, checksum, wake_at,
  started_at, ended_at, detail)
  SELECT ?, seq, name, kind, status, attempts, output, error, checksum, NULL, started_at, ended_at, detail
  FROM steps WHERE run_id = ? AND seq < ?`;
const CANCEL = `UPDATE runs SET status = 'cancelled', lease_owner = NULL, lease_expires_at = NULL,
  lease_epoch = lease_epoch + 1, ready_at = NULL, held_on = NULL, updated_at = ?, finished_at = ?
  WHERE id = ? AND status NOT IN ('completed', 'completed_partial', 'failed', 'cancelled', 'dead_lettered')
  RETURNING ${FLOW_COLUMNS}`;
const CANCEL_OPEN_STEPS = `UPDATE steps SET status = 'cancelled', ended_at = ? WHERE run_id = ?
  AND status IN ('running', 'sleeping', 'retrying', 'waiting')`;
const CANCEL_OPEN_ESCALATIONS = `UPDATE escalations SET status = 'cancelled', resolved_at = ? WHERE run_id = ? AND status = 'open'`;

export class SqliteRunStore implements RunStore {
  private readonly flow: SqliteFlowControl;

  constructor(
    private readonly conn: SqliteConnection,
    private readonly notifyWorkAvailable: () => void,
  ) {
    this.flow = new SqliteFlowControl(conn);
  }

  async create(run: NewRun): Promise<CreateRunResult> {
    const result = await this.conn.batcher.run(() => this.insert(run));
    if (result.created && !result.leased) this.notifyWorkAvailable();
    return result;
  }

  /** Runs inside the write transaction: the lookup, the release of an expired key and the insert cannot interleave. */
  private insert(run: NewRun): CreateRunResult {
    if (run.idempotencyKey !== null) {
      const existing = this.conn.statement(SELECT_BY_KEY).get(run.idempotencyKey) as
        { id: string; workflow: string; status: RunStatus; input_hash: string; created_at: number } | undefined;
      if (existing && existing.created_at < run.now - run.idempotencyRetentionMs) {
        this.conn.statement(RELEASE_KEY).run(existing.id);
      } else if (existing) {
        if (existing.workflow !== run.workflow || existing.input_hash !== run.inputHash) {
          throw new ConflictError(
            'idempotency_conflict',
            `Idempotency key ${JSON.stringify(run.idempotencyKey)} was already used for run ${existing.id} with a different ` +
              (existing.workflow !== run.workflow ? `workflow (${existing.workflow})` : 'input'),
            { path: 'idempotencyKey', details: { runId: existing.id } },
          );
        }
        return { id: existing.id, status: existing.status, created: false };
      }
    }
    const checksum = sha256(run.input);
    const { id, workflow, version, input, inputHash, idempotencyKey, principal, now, leaseTo } = run;
    const flow = newRunFlowColumns(run);
    const replayOf = run.replayOf ?? null;
    if (leaseTo && run.copySteps) throw new Error(`run ${id} copies steps: only a claim may lease it`);
    if (leaseTo) {
      const row = this.conn
        .statement(INSERT_LEASED)
        .get(
          id,
          workflow,
          version,
          input,
          checksum,
          inputHash,
          idempotencyKey,
          principal,
          replayOf,
          leaseTo.owner,
          now + leaseTo.leaseTtlMs,
          now,
          now,
          flow.priority,
        ) as RunRow;
      const record = toRunRecord(row);
      if (run.audit) this.conn.auditAtCommit.add([run.audit]);
      return {
        id,
        status: 'running',
        created: true,
        leased: { run: record, lease: { runId: id, owner: leaseTo.owner, epoch: 1 } },
      };
    }
    this.conn
      .statement(INSERT)
      .run(
        id,
        workflow,
        version,
        input,
        checksum,
        inputHash,
        idempotencyKey,
        principal,
        replayOf,
        flow.readyAt,
        now,
        now,
        flow.priority,
        flow.flowState,
        flow.concurrencyLimit,
        flow.concurrencyKey,
        flow.keyLimit,
        flow.rateLimit,
        flow.ratePeriodMs,
        flow.rateKey,
      );
    if (run.copySteps) this.conn.statement(COPY_STEPS).run(id, run.copySteps.runId, run.copySteps.beforeSeq);
    if (run.audit) this.conn.auditAtCommit.add([run.audit]);
    return { id, status: 'queued', created: true };
  }

  get(id: string): Promise<RunRecord | null> {
    const row = this.conn.statement(SELECT_BY_ID).get(id) as RunRow | undefined;
    return Promise.resolve(row ? toRunRecord(row) : null);
  }
  outcome(id: string): Promise<RunOutcome | null> {
    const row = this.conn.statement(SELECT_OUTCOME).get(id) as RunRow | undefined;
    return Promise.resolve(row ? toRunOutcome(row) : null);
  }

  list(filter: RunFilter): Promise<RunRecord[]> {
    const { where, params } = runFilterConditions(filter, (column) => `instr(${column}, ?) > 0`);
    const sql =
      `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      'ORDER BY id DESC LIMIT ?';
    const rows = this.conn.statement(sql).all(...params, filter.limit) as RunRow[];
    return Promise.resolve(rows.map(toRunRecord));
  }

  async cancel(id: string, now: number): Promise<RunRecord | null> {
    const { run, released } = await this.conn.batcher.run(() => {
      const cancelled = this.conn.statement(CANCEL).get(now, now, id) as FlowRow | undefined;
      if (cancelled) {
        this.conn.statement(CANCEL_OPEN_STEPS).run(now, id);
        this.conn.statement(CANCEL_OPEN_ESCALATIONS).run(now, id);
      }
      const row = this.conn.statement(SELECT_BY_ID).get(id) as RunRow | undefined;
      return { run: row ? toRunRecord(row) : null, released: this.flow.releaseCancelled(cancelled) };
    });
    if (released) this.notifyWorkAvailable();
    return run;
  }
}
