import type { Clock } from '../core/clock.js';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../core/errors.js';
import { encodeJson } from '../core/json.js';
import {
  decisionsFor,
  ESCALATION_DECISIONS,
  type EscalationDecision,
  type EscalationStatus,
} from '../store/escalation-store.js';
import type { Store } from '../store/store.js';
import type { RuntimeEvents } from './events.js';
import { toEscalationView, type EscalationView } from './operator-views.js';

export interface ListEscalationsOptions {
  /** Default `open`; `all` for every status. */
  status?: EscalationStatus | 'all';
  runId?: string;
  assignee?: string;
  limit?: number;
  cursor?: string;
}

export interface ResolveEscalation {
  decision: EscalationDecision;
  /** Required for `provide`: the step's result, as JSON. */
  value?: unknown;
  note?: string;
  /**
   * The person who decided, when the caller acts for someone (a nurse's name given by the
   * dashboard). Default: `principal`.
   */
  resolvedBy?: string;
  /** Who made the call: `key:<id>` over HTTP. Recorded in the event, and as `resolvedBy` if none is named. */
  principal?: string | null;
}

const STATUSES = new Set(['open', 'resolved', 'timed_out', 'cancelled', 'all']);

/** The escalation inbox: what waits for a human, and the humans' decisions. */
export class EscalationClient {
  constructor(private readonly deps: { store: Store; clock: Clock; events: RuntimeEvents; maxPayloadBytes: number }) {}

  /** Newest first; open ones unless `status` says otherwise. */
  async list(
    options: ListEscalationsOptions = {},
  ): Promise<{ escalations: EscalationView[]; nextCursor: string | null }> {
    const limit = pageLimit(options.limit);
    const status = options.status ?? 'open';
    if (!STATUSES.has(status)) {
      throw new InvalidArgumentError(`Unknown escalation status ${JSON.stringify(status)}`, { path: 'status' });
    }
    const rows = await this.deps.store.escalations.list({
      ...(status === 'all' ? {} : { status }),
      ...(options.runId === undefined ? {} : { runId: options.runId }),
      ...(options.assignee === undefined ? {} : { assignee: options.assignee }),
      ...(options.cursor === undefined ? {} : { before: options.cursor }),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      escalations: page.map(toEscalationView),
      nextCursor: rows.length > limit ? page[page.length - 1]!.id : null,
    };
  }

  async get(id: string): Promise<EscalationView> {
    const record = await this.deps.store.escalations.get(id);
    if (!record) throw new NotFoundError('escalation_not_found', `No escalation with id ${id}`, { path: 'id' });
    return toEscalationView(record);
  }

  /**
   * Records a human's decision. A blocking escalation's run resumes at once with it: `retry`
   * runs the step again, `skip` continues with its fallback, `provide` uses `value` as its
   * result, `abort` ends the run `failed`. An `approval` takes `approve` (the tool call runs
   * with the arguments shown), `reject` (it is denied, and its step follows its failure policy)
   * or `abort`.
   *
   * @throws NotFoundError `escalation_not_found`; ConflictError `escalation_not_open`, or
   *   `decision_not_applicable` for a decision that does not fit its kind (`approve` on a failed
   *   step, `retry` on an approval); InvalidArgumentError for an unknown decision or a `provide`
   *   without a value.
   */
  async resolve(id: string, resolution: ResolveEscalation): Promise<EscalationView> {
    if (!ESCALATION_DECISIONS.includes(resolution.decision)) {
      throw new InvalidArgumentError(
        `decision must be one of ${ESCALATION_DECISIONS.join(', ')}; got ${JSON.stringify(resolution.decision)}`,
        { path: 'decision' },
      );
    }
    if (resolution.decision === 'provide' && resolution.value === undefined) {
      throw new InvalidArgumentError('A "provide" decision needs a value: the result the step should have', {
        path: 'value',
      });
    }
    if (
      resolution.resolvedBy !== undefined &&
      (typeof resolution.resolvedBy !== 'string' ||
        resolution.resolvedBy.trim() === '' ||
        resolution.resolvedBy.length > 200)
    ) {
      throw new InvalidArgumentError('resolvedBy must be a name of 1–200 characters', { path: 'resolvedBy' });
    }
    if (resolution.note !== undefined && (typeof resolution.note !== 'string' || resolution.note.length > 2000)) {
      throw new InvalidArgumentError('note must be a string of at most 2000 characters', { path: 'note' });
    }
    const existing = await this.deps.store.escalations.get(id);
    if (!existing) throw new NotFoundError('escalation_not_found', `No escalation with id ${id}`, { path: 'id' });
    const fitting = decisionsFor(existing.kind);
    if (!fitting.includes(resolution.decision)) {
      throw new ConflictError(
        'decision_not_applicable',
        `An escalation of kind ${existing.kind} takes ${fitting.join(', ')}; not ${resolution.decision}`,
        { path: 'decision', details: { escalationId: id, kind: existing.kind } },
      );
    }
    const value =
      resolution.decision === 'provide'
        ? encodeJson(resolution.value, 'The provided value', this.deps.maxPayloadBytes)
        : null;
    const record = await this.deps.store.escalations.resolve(id, {
      decision: resolution.decision,
      value,
      resolvedBy: resolution.resolvedBy ?? resolution.principal ?? null,
      note: resolution.note ?? null,
      now: this.deps.clock.now(),
    });
    this.deps.events.emit('escalation.resolved', {
      escalationId: id,
      runId: record.runId,
      decision: resolution.decision,
      resolvedBy: record.resolvedBy,
      principal: resolution.principal ?? null,
    });
    return toEscalationView(record);
  }
}

/** Checks a page size: an integer from 1 to 500, default 50. */
export function pageLimit(limit: number | undefined): number {
  const value = limit ?? 50;
  if (!Number.isInteger(value) || value < 1 || value > 500) {
    throw new InvalidArgumentError(`limit must be an integer from 1 to 500; got ${limit}`, { path: 'limit' });
  }
  return value;
}
