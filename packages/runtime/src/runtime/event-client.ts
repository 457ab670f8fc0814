import { sha256 } from '../core/checksum.js';
import type { Clock } from '../core/clock.js';
import { InvalidArgumentError, NotFoundError } from '../core/errors.js';
import { validateEventName } from '../core/event-match.js';
import type { EventView, SendResult } from '../core/event-view.js';
import { newRunId, validateIdempotencyKey } from '../core/ids.js';
import { canonicalJson, encodeJson } from '../core/json.js';
import type { Logger } from '../core/logger.js';
import type { EventDelivery, EventRecord } from '../store/event-store.js';
import type { Store } from '../store/store.js';
import { pageLimit } from './escalation-client.js';
import type { EventDispatcher } from './event-dispatch.js';

export type { EventView, SendResult } from '../core/event-view.js';

export interface EventDetails extends EventView {
  /** Runs it started, and runs that received it in `ctx.waitForEvent`. */
  deliveries: Array<{ runId: string; kind: EventDelivery['kind']; seq: number | null; at: string }>;
}

export interface SendEvent {
  name: string;
  payload?: unknown;
  /** The sender's id: the same id within the retention window is the same event (at most 256 bytes). */
  id?: string;
  /** `api`, `cli`, `webhook:<source>`, `run:<runId>`. Default `api`. */
  source?: string;
  principal?: string | null;
}

/** Events: receive them (deduplicated), hand them to triggers and waiting runs, list them. */
export class EventClient {
  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Logger;
      dispatcher: EventDispatcher;
      maxPayloadBytes: number;
      /** How long an event id holds its event: after that, the same id is a new event. */
      dedupeRetentionMs: number;
    },
  ) {}

  /**
   * Stores the event, then dispatches it: a workflow whose `on` matches starts (once per event),
   * and runs waiting for it wake. The event is durable before this resolves; if the process dies
   * before dispatching, a worker's sweep dispatches it.
   *
   * @throws InvalidArgumentError for a bad name or id; ConflictError `event_conflict` for a
   *   known id with another payload; PayloadTooLargeError.
   */
  async send(input: SendEvent): Promise<SendResult> {
    const name = validateEventName(input.name);
    const dedupeKey = input.id === undefined ? null : validateIdempotencyKey(input.id);
    const payload = encodeJson(input.payload ?? {}, 'The event payload', this.deps.maxPayloadBytes);
    const now = this.deps.clock.now();
    const { event, created } = await this.deps.store.events.append({
      id: newRunId(now),
      name,
      payload,
      payloadHash: sha256(canonicalJson(JSON.parse(payload))),
      dedupeKey,
      dedupeRetentionMs: this.deps.dedupeRetentionMs,
      source: input.source ?? 'api',
      principal: input.principal ?? null,
      receivedAt: now,
    });
    if (!created && event.dispatchedAt !== null) {
      const runs = (await this.deps.store.events.deliveries(event.id))
        .filter((d) => d.kind === 'started')
        .map((d) => d.runId);
      return { event: toEventView(event), created, runs, woke: 0 };
    }
    const dispatch = await this.deps.dispatcher.dispatch(event, () => this.deps.clock.now());
    const stored = (await this.deps.store.events.get(event.id)) ?? event;
    return { event: toEventView(stored), created, runs: dispatch.started, woke: dispatch.woke };
  }

  async list(options: { name?: string; limit?: number; cursor?: string } = {}): Promise<{
    events: EventView[];
    nextCursor: string | null;
  }> {
    const limit = pageLimit(options.limit);
    if (options.name !== undefined) validateEventName(options.name);
    const rows = await this.deps.store.events.list({
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.cursor === undefined ? {} : { before: options.cursor }),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { events: page.map(toEventView), nextCursor: rows.length > limit ? page[page.length - 1]!.id : null };
  }

  async get(id: string): Promise<EventDetails> {
    if (typeof id !== 'string' || id.length === 0 || id.length > 64) {
      throw new InvalidArgumentError(`${JSON.stringify(id)} is not an event id`, { path: 'id' });
    }
    const event = await this.deps.store.events.get(id);
    if (!event) throw new NotFoundError('event_not_found', `No event with id ${id}`, { path: 'id' });
    const deliveries = await this.deps.store.events.deliveries(id);
    return {
      ...toEventView(event),
      deliveries: deliveries.map((d) => ({
        runId: d.runId,
        kind: d.kind,
        seq: d.seq,
        at: new Date(d.at).toISOString(),
      })),
    };
  }
}

export function toEventView(event: EventRecord): EventView {
  return {
    id: event.id,
    name: event.name,
    payload: JSON.parse(event.payload) as unknown,
    dedupeId: event.dedupeKey,
    source: event.source,
    principal: event.principal,
    receivedAt: new Date(event.receivedAt).toISOString(),
    dispatchedAt: event.dispatchedAt === null ? null : new Date(event.dispatchedAt).toISOString(),
  };
}
