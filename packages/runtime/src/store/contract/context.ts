/** What every contract case gets: the store under test, its clock, and helpers. */ import type { FakeClock } from '../../testing/fake-clock.js';
import type { StepRecord, StepWrite } from '../checkpoint-store.js';
import type { NewEscalation } from '../escalation-store.js';
import type { NewEvent } from '../event-store.js';
import type { NewOutboxMessage } from '../outbox-store.js';
import type { Lease, WorkflowKey } from '../queue-store.js';
import type { NewRun } from '../run-store.js';
import type { NewSchedule } from '../schedule-store.js';
import type { Store } from '../store.js';

export interface StoreFixture {
  store: Store;
  clock: FakeClock;
  /** Another connection to the same database, as another process would have; closed by `close`. */
  connect(): Store;
  /** Changes a stored step payload behind the store's back, as a bad disk would. */
  corruptStep(runId: string, seq: number): Promise<void>;
  /** Changes a stored agent-memory value behind the store's back. */
  corruptMemory(agent: string, key: string): Promise<void>;
  close(): Promise<void>;
}

export const WF: WorkflowKey = { name: 'contract.flow', version: 1 };
export const OTHER: WorkflowKey = { name: 'contract.other', version: 1 };
/** The retention window the helpers give keys: a day, like the runtime's default. */
export const RETENTION_MS = 24 * 3_600_000;
let idCounter = 0;

/** Ids that sort by creation, like real run ids. */
export function runId(): string {
  idCounter++;
  return `00000000-0000-7000-8000-${idCounter.toString(16).padStart(12, '0')}`;
}

export function newRun(now: number, overrides: Partial<NewRun> = {}): NewRun {
  return {
    id: runId(),
    workflow: WF.name,
    version: WF.version,
    input: '{"n":1}',
    inputHash: 'hash-1',
    idempotencyKey: null,
    idempotencyRetentionMs: RETENTION_MS,
    principal: null,
    now,
    ...overrides,
  };
}

export function step(seq: number, overrides: Partial<StepWrite> = {}): StepWrite {
  return {
    seq,
    name: `step-${seq}`,
    kind: 'step',
    status: 'completed',
    attempts: 1,
    output: JSON.stringify({ seq }),
    error: null,
    wakeAt: null,
    startedAt: 1,
    endedAt: 2,
    ...overrides,
  };
}

/** The record `checkpoints.list` returns for a write: its row, intact, without what rode along. */
export function recorded(write: StepWrite): StepRecord {
  const {
    failedAttempt: _attempt,
    escalation: _escalation,
    notification: _notification,
    eventWait: _wait,
    receivedEvent: _received,
    input: _input,
    ...row
  } = write;
  return { ...row, detail: write.detail ?? null, intact: true };
}

/** An escalation raised by step `seq` of run `runId`. */
export function escalation(
  runId: string,
  seq: number,
  now: number,
  overrides: Partial<NewEscalation> = {},
): NewEscalation {
  return {
    id: nextId(),
    runId,
    seq,
    step: `step-${seq}`,
    workflow: WF.name,
    kind: 'manual',
    reason: 'needs a human',
    summary: null,
    assignee: null,
    blocking: true,
    context: JSON.stringify({ seq }),
    timeoutAt: null,
    onTimeout: null,
    createdAt: now,
    ...overrides,
  };
}

export function message(now: number, overrides: Partial<NewOutboxMessage> = {}): NewOutboxMessage {
  return { id: nextId(), topic: 'escalation.opened', payload: '{"hello":true}', createdAt: now, ...overrides };
}

/** An event named `order.paid` as the API receives it, without a dedupe key unless given one. */
export function newEvent(now: number, overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    id: nextId(),
    name: 'order.paid',
    payload: '{"order":1}',
    payloadHash: 'payload-hash-1',
    dedupeKey: null,
    dedupeRetentionMs: RETENTION_MS,
    source: 'api',
    principal: null,
    receivedAt: now,
    ...overrides,
  };
}

/**
 * An hourly schedule of {@link WF} added through the API, due at `nextSlotAt` (by default an
 * hour after `now`) without jitter.
 */
export function newSchedule(now: number, overrides: Partial<NewSchedule> = {}): NewSchedule {
  const nextSlotAt = overrides.nextSlotAt === undefined ? now + 3_600_000 : overrides.nextSlotAt;
  return {
    id: `schedule-${nextId().slice(-6)}`,
    workflow: WF.name,
    spec: {
      cron: '0 * * * *',
      timezone: 'UTC',
      jitterMs: 0,
      overlap: 'skip',
      catchUp: 'latest',
      catchUpWindowMs: 86_400_000,
    },
    input: '{"n":1}',
    origin: 'api',
    nextSlotAt,
    nextFireAt: nextSlotAt,
    now,
    ...overrides,
  };
}

/** Ids for escalations, dead letters, events and messages: unique, and sorting by creation like run ids. */
export function nextId(): string {
  return runId();
}

export interface ContractContext {
  store: Store;
  clock: FakeClock;
  fx: StoreFixture;
}

/** Claims one ready run of {@link WF} for `owner`; fails the test if there is none. */
export async function claimOne(
  c: ContractContext,
  owner = 'w1',
  ttl = 10_000,
): Promise<{ lease: Lease; runId: string }> {
  const [claimed] = await c.store.queue.claim({
    owner,
    now: c.clock.now(),
    leaseTtlMs: ttl,
    limit: 1,
    workflows: [WF],
  });
  if (!claimed) throw new Error(`no run to claim for ${owner}`);
  return { lease: claimed.lease, runId: claimed.run.id };
}
