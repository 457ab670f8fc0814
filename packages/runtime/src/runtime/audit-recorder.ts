import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { redactFlatForAudit, redactForAudit, type RedactionRules } from '../governance/audit-redaction.js';
import type { AuditDraft } from '../store/audit-store.js';
import type { Store } from '../store/store.js';
import type { RuntimeEventMap, RuntimeEventName, RuntimeEvents } from './events.js';

/**
 * The events that make the audit trail; each becomes an entry of the same `type`. Triggers with
 * their principal, step and run outcomes, tool calls with their arguments and every other policy
 * decision, spend (an LLM call's model, tokens and cost, and its stated reasoning when the
 * payload carries one), budget events, escalations and operator actions.
 */
export const AUDITED_EVENTS = [
  'run.created',
  'step.completed',
  'step.failed',
  'run.completed',
  'run.failed',
  'run.dead_lettered',
  'run.cancelled',
  'run.replayed',
  'checkpoint.corrupted',
  'policy.decided',
  'spend.recorded',
  'budget.soft_limit',
  'budget.exceeded',
  'budget.changed',
  'escalation.opened',
  'escalation.resolved',
  'dead_letter.replayed',
  'breaker.reset',
  'schedule.changed',
  'key.created',
  'key.revoked',
  'alert.fired',
  'alert.resolved',
] as const satisfies readonly RuntimeEventName[];

/**
 * What a run's execution uses to append audit entries in its own step writes, on a store that
 * can (`audit.appendsWithSteps`): a step's outcome commits with its entry, after the entries of
 * the run recorded before it.
 */
/** Events whose entry can commit with the write they report (`StepAudit.draftWithWrite`). */
export type WrittenEvent = 'step.completed' | 'step.failed' | 'run.created';

export interface StepAudit {
  /**
   * The entry of `payload`, the object the event is emitted with once its write commits (the
   * event then records nothing): a step's outcome, or a run's creation (`NewRun.audit`).
   */
  draftWithWrite<K extends WrittenEvent>(
    event: K,
    payload: RuntimeEventMap[K],
  ): (AuditDraft & { at: number }) | undefined;
  /**
   * What one write of the run carries: `drafts` (made by `draftWithWrite`) and the run's queued
   * entries that no append has taken yet, all in the order they were recorded. The queued ones
   * (`taken`) leave the queue: an entry recorded after a step ended (the decision on the next
   * call) cannot then be appended before the step's outcome, nor one recorded before it after.
   */
  takeQueued(
    runId: string,
    drafts: readonly AuditDraft[],
  ): { entries: Array<AuditDraft & { at: number }>; taken: Array<AuditDraft & { at: number }> };
  /** A write that carried entries committed: where the store staged them, they are chained within `flushMs`. */
  written(): void;
  /** Queues again the entries `takeQueued` took, whose write did not commit. */
  restore(drafts: ReadonlyArray<AuditDraft & { at: number }>): void;
}

export interface AuditRecorderDeps {
  store: Store;
  events: RuntimeEvents;
  clock: Clock;
  logger: Logger;
  rules: RedactionRules;
  /** Appends wait for it: the store's migrations. */
  ready: Promise<void>;
  flushMs: number;
  maxBatch: number;
}

const MAX_RETRY_MS = 5_000;

/**
 * Turns runtime events into audit entries and appends them in batches: an event waits at most
 * `flushMs` (or until `maxBatch` are waiting), so a busy worker pays one transaction per batch.
 *
 * Events are emitted after the change they report has committed, so a process killed between
 * that commit and the next flush loses those entries (the runs and steps themselves remain),
 * except those that commit with a write: a run's creation and a step's outcome
 * (`draftWithWrite`), and the run's entries still queued when a step write goes out
 * (`takeQueued`). A failed append is logged and
 * retried with backoff; entries stay queued, in order, until they are in the trail.
 */
export class AuditRecorder implements StepAudit {
  private queue: Array<AuditDraft & { at: number }> = [];
  /** Entries at the head of `queue` that a drain is appending now. */
  private appending = 0;
  /** The order entries were recorded in, for `takeQueued`. */
  private readonly order = new WeakMap<AuditDraft, number>();
  private recorded = 0;
  private flushing: Promise<void> = Promise.resolve();
  private timer: AbortController | undefined;
  /** A background flush is queued and has not started: it will take what is recorded until then. */
  private flushQueued = false;
  private failures = 0;
  private closed = false;
  /** Payloads whose entry went into their write's transaction (`draftWithWrite`): their events record nothing. */
  private readonly appendedWithWrite = new WeakSet<object>();
  private readonly unsubscribe: Array<() => void>;

  constructor(private readonly deps: AuditRecorderDeps) {
    this.unsubscribe = AUDITED_EVENTS.map((event) => deps.events.on(event, (payload) => this.record(event, payload)));
  }

  /** Entries waiting to be appended. */
  get pending(): number {
    return this.queue.length;
  }

  /** Appends everything recorded so far; rejects (entries still queued) if the store refuses. */
  flush(): Promise<void> {
    const drained = this.flushing.then(
      () => this.drain(),
      () => this.drain(),
    );
    this.flushing = drained;
    return drained;
  }

  /** Stops listening and appends what is left. Entries that cannot be appended are logged by count. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribe) off();
    this.timer?.abort();
    try {
      await this.flush();
    } catch (error) {
      this.deps.logger.error('audit entries were lost: the store refused them while closing', {
        lost: this.queue.length,
        error: String(error),
      });
    }
  }

  /**
   * The entry of a step's outcome or a run's creation, for the store to commit in the same
   * transaction (`StepWrite.audit`, `NewRun.audit`), so that no crash can commit the one without
   * the other. `payload` must be the object the event is emitted with once the write commits:
   * that event then records nothing more. Undefined when the store appends entries only on their
   * own (`audit.appendsWithSteps` false).
   */
  draftWithWrite<K extends WrittenEvent>(
    event: K,
    payload: RuntimeEventMap[K],
  ): (AuditDraft & { at: number }) | undefined {
    if (this.closed || !this.deps.store.audit.appendsWithSteps) return undefined;
    this.appendedWithWrite.add(payload);
    return this.draft(event, payload);
  }

  takeQueued(
    runId: string,
    drafts: ReadonlyArray<AuditDraft & { at: number }>,
  ): { entries: Array<AuditDraft & { at: number }>; taken: Array<AuditDraft & { at: number }> } {
    const taken: Array<AuditDraft & { at: number }> = [];
    for (let i = this.appending; i < this.queue.length; i++) {
      if (this.queue[i]!.runId === runId) taken.push(this.queue[i]!);
    }
    if (taken.length === 0) return { entries: [...drafts], taken };
    const leaving = new Set(taken);
    this.queue = this.queue.filter((queued) => !leaving.has(queued));
    const recorded = (draft: AuditDraft): number => this.order.get(draft) ?? 0;
    const entries = [...taken, ...drafts].sort((a, b) => recorded(a) - recorded(b));
    return { entries, taken };
  }

  written(): void {
    // Staged with the step (PostgreSQL): the next append chains them, of nothing else if need be.
    if (this.deps.store.audit.hasStaged) this.schedule(this.deps.flushMs);
  }

  restore(drafts: ReadonlyArray<AuditDraft & { at: number }>): void {
    if (drafts.length === 0) return;
    if (this.closed) {
      this.deps.logger.error('audit entries were lost: their step write failed after the recorder closed', {
        lost: drafts.length,
      });
      return;
    }
    this.queue.splice(this.appending, 0, ...drafts);
    this.schedule(this.deps.flushMs);
  }

  private record<K extends RuntimeEventName>(event: K, payload: RuntimeEventMap[K]): void {
    if (this.appendedWithWrite.delete(payload)) {
      // Its write committed; where the store staged the entry, the next append chains it.
      this.written();
      return;
    }
    this.queue.push(this.draft(event, payload));
    if (this.queue.length >= this.deps.maxBatch) this.flushInBackground();
    else this.schedule(this.deps.flushMs);
  }

  private draft<K extends RuntimeEventName>(event: K, payload: RuntimeEventMap[K]): AuditDraft & { at: number } {
    const { runId, principal } = payload as { runId?: unknown; principal?: unknown };
    const draft = {
      type: event,
      at: this.deps.clock.now(),
      runId: typeof runId === 'string' ? runId : null,
      principal: typeof principal === 'string' ? principal : null,
      // Flat details (most entries) are redacted and written as canonical text in one walk.
      ...(redactFlatForAudit(event, payload, this.deps.rules, ENTRY_FIELDS) ?? {
        data: redactForAudit(event, details(payload), this.deps.rules),
      }),
    };
    this.order.set(draft, ++this.recorded);
    return draft;
  }

  /**
   * Appends what was recorded before it began. Entries recorded while it appends wait for the
   * flush timer (pending since they were recorded, or earlier) and go out together, instead of the
   * drain going on with one append, and on PostgreSQL one commit, for each handful that came in
   * meanwhile.
   */
  private async drain(): Promise<void> {
    this.flushQueued = false;
    const audit = this.deps.store.audit;
    if (this.queue.length === 0 && !audit.hasStaged) return;
    await this.deps.ready;
    if (this.queue.length === 0) {
      await audit.chainStaged(this.deps.clock.now());
    }
    // A run's step write may take its queued entries meanwhile (`takeQueued`), never those being appended.
    for (let left = this.queue.length; left > 0 && this.queue.length > 0;) {
      const batch = this.queue.slice(0, Math.min(left, this.deps.maxBatch));
      this.appending = batch.length;
      try {
        await audit.append(batch, this.deps.clock.now());
      } finally {
        this.appending = 0;
      }
      this.queue.splice(0, batch.length);
      left -= batch.length;
    }
    // Staged while this drain appended, or more than one append takes.
    if (audit.hasStaged) this.schedule(this.deps.flushMs);
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.closed) return;
    const timer = new AbortController();
    this.timer = timer;
    void this.deps.clock.sleep(delayMs, timer.signal).then(() => {
      if (this.timer === timer) this.timer = undefined;
      if (!timer.signal.aborted) this.flushInBackground();
    });
  }

  private flushInBackground(): void {
    // Past `maxBatch` every entry asks for a flush; one queued is enough. More would each chain
    // two promises and a drain with nothing left to append, and in a burst (a thousand runs
    // started at once) those outlived the young generation.
    if (this.flushQueued) return;
    this.flushQueued = true;
    this.flush().then(
      () => {
        this.failures = 0;
      },
      (error: unknown) => {
        this.failures += 1;
        const retryMs = Math.min(MAX_RETRY_MS, this.deps.flushMs * 2 ** this.failures + 100);
        this.deps.logger.error('could not append to the audit trail; retrying', {
          pending: this.queue.length,
          retryMs,
          error: String(error),
        });
        this.schedule(retryMs);
      },
    );
  }
}

/** The payload keys that are fields of the entry rather than its details. */
const ENTRY_FIELDS: ReadonlySet<string> = new Set(['runId', 'principal']);

/** An event's details: its payload without the entry's fields. */
function details(payload: object): Record<string, unknown> {
  const { runId: _runId, principal: _principal, ...rest } = payload as Record<string, unknown>;
  // A stack trace says where our code was, not what happened; it stays in the step's record.
  if (isObject(rest['error'])) rest['error'] = Object.assign({}, rest['error'], { stack: undefined });
  return rest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
