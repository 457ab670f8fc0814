/** An event as received: from the API, the CLI or a webhook. */
export interface NewEvent {
  id: string;
  name: string;
  /** The payload as JSON text. */
  payload: string;
  /** SHA-256 of the payload's canonical JSON: the same key with another hash is a conflict. */
  payloadHash: string;
  /** The sender's id for deduplication (`POST /v1/events { id }`, a webhook's `webhook-id`). */
  dedupeKey: string | null;
  /**
   * How long an event holds its dedupe key: an event holding `dedupeKey` received more than this
   * many milliseconds before `receivedAt` no longer holds it. The append releases it (sets its
   * `dedupeKey` to null, leaving the rest of it as it was) and stores this event, which holds the
   * key from then on. Positive.
   */
  dedupeRetentionMs: number;
  /** Where it came from: `api`, `cli`, `webhook:<source>`. */
  source: string;
  principal: string | null;
  receivedAt: number;
}

/** A stored event. `dedupeKey` is null once a later event with the key took it over after the retention window. */
export interface EventRecord extends Omit<NewEvent, 'dedupeRetentionMs'> {
  /** When the triggers of this event (workflows started on it) were all started; null until then. */
  dispatchedAt: number | null;
}

/** A run that an event started or woke. */
export interface EventDelivery {
  eventId: string;
  runId: string;
  /** `started` a run, or was `received` by a run's `ctx.waitForEvent` at step `seq`. */
  kind: 'started' | 'received';
  seq: number | null;
  at: number;
}

/** A run's `ctx.waitForEvent`, registered with its suspension so an arriving event can wake it. */
export interface EventWait {
  runId: string;
  seq: number;
  name: string;
  /** JSON of the match object, or null for any event of that name. */
  match: string | null;
  /** The earliest receive time an event may have to satisfy this wait. */
  since: number;
  /** When the wait times out; null for never. */
  deadline: number | null;
}

export interface EventFilter {
  name?: string;
  /** Only events whose id sorts before this one: the page cursor. */
  before?: string;
  limit: number;
}

/** The events aggregate: received events, the waits on them, and what they started or woke. */
export interface EventStore {
  /**
   * Stores an event, deduplicated on `dedupeKey` within `dedupeRetentionMs`: the same key with
   * the same payload returns the stored event (`created: false`); with another payload,
   * `ConflictError` (`event_conflict`). An event holding the key for longer than the retention
   * loses it to this one in the same transaction. Durable before it resolves.
   */
  append(event: NewEvent): Promise<{ event: EventRecord; created: boolean }>;
  get(id: string): Promise<EventRecord | null>;
  /** Newest first. */
  list(filter: EventFilter): Promise<EventRecord[]>;
  /** Events named `name` received at or after `since`, oldest first: candidates for a wait. */
  candidates(name: string, since: number, limit: number): Promise<EventRecord[]>;
  /** Events not yet dispatched to their triggers, oldest first. */
  undispatched(limit: number): Promise<EventRecord[]>;
  /**
   * Records that the event's triggers started `runIds` (a `started` delivery each) and sets
   * `dispatchedAt`. Safe to repeat: the first dispatch time stays, deliveries are recorded once.
   *
   * @throws NotFoundError `event_not_found`
   */
  markDispatched(id: string, runIds: readonly string[], now: number): Promise<void>;
  /** The waits registered on events named `name`. */
  waitsFor(name: string): Promise<EventWait[]>;
  /** Event ids this run has already received, so a second wait on the same name gets a new one. */
  receivedBy(runId: string): Promise<string[]>;
  /** Makes the waiting runs claimable now (those still `waiting` without a lease). Returns how many woke. */
  wake(runIds: readonly string[], now: number): Promise<number>;
  deliveries(eventId: string): Promise<EventDelivery[]>;
}
