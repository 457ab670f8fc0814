import { ConflictError } from '../core/errors.js';
import type { EventDelivery, EventRecord, EventWait, NewEvent } from './event-store.js';

/** A row of the `events` table, as both dialects return it (times as epoch milliseconds). */
export interface EventRow {
  id: string;
  name: string;
  payload: string;
  payload_hash: string;
  dedupe_key: string | null;
  source: string;
  principal: string | null;
  received_at: number;
  dispatched_at: number | null;
}

export const EVENT_COLUMNS =
  'id, name, payload, payload_hash, dedupe_key, source, principal, received_at, dispatched_at';

export function toEventRecord(row: EventRow): EventRecord {
  return {
    id: row.id,
    name: row.name,
    payload: row.payload,
    payloadHash: row.payload_hash,
    dedupeKey: row.dedupe_key,
    source: row.source,
    principal: row.principal,
    receivedAt: row.received_at,
    dispatchedAt: row.dispatched_at,
  };
}

/**
 * The answer to an append that inserted nothing. `existing` is the stored event with the same
 * dedupe key or, failing that, the same id (a statement sent again after a lost connection finds
 * its own row). The same key and payload is the same event; anything else is a conflict.
 */
export function toDuplicate(event: NewEvent, existing: EventRow | undefined): { event: EventRecord; created: false } {
  if (!existing) throw new Error(`event ${event.id} was neither inserted nor found`);
  const sameKey = existing.dedupe_key === event.dedupeKey;
  if (sameKey && existing.payload_hash === event.payloadHash) return { event: toEventRecord(existing), created: false };
  const key = sameKey ? event.dedupeKey : null;
  throw new ConflictError(
    'event_conflict',
    key === null
      ? `Event id ${JSON.stringify(event.id)} is already taken by another event`
      : `Event key ${JSON.stringify(key)} was already used for event ${existing.id} with a different payload`,
    { details: { eventId: existing.id, dedupeKey: key } },
  );
}

/** A row of the `event_deliveries` table. */
export interface EventDeliveryRow {
  event_id: string;
  run_id: string;
  kind: string;
  seq: number | null;
  at: number;
}

export const DELIVERY_COLUMNS = 'event_id, run_id, kind, seq, at';

export function toEventDelivery(row: EventDeliveryRow): EventDelivery {
  return {
    eventId: row.event_id,
    runId: row.run_id,
    kind: row.kind as EventDelivery['kind'],
    seq: row.seq,
    at: row.at,
  };
}

/** A row of the `event_waits` table. */
export interface EventWaitRow {
  run_id: string;
  seq: number;
  name: string;
  match: string | null;
  since: number;
  deadline: number | null;
}

export const WAIT_COLUMNS = 'run_id, seq, name, match, since, deadline';

export function toEventWait(row: EventWaitRow): EventWait {
  return {
    runId: row.run_id,
    seq: row.seq,
    name: row.name,
    match: row.match,
    since: row.since,
    deadline: row.deadline,
  };
}
