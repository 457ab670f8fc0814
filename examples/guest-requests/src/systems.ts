import { systemClock, type Clock } from 'vigil';
import { recordChaosEffect } from 'vigil/testing';

import type { Availability, Decision, DecisionRecorded, GuestMessage, GuestRequest } from './records.js';

/** What every request to a system may carry. */
export interface RequestOptions {
  signal?: AbortSignal;
}

/** A request the system deduplicates: the same key twice gets the first answer. */
export interface KeyedRequest extends RequestOptions {
  idempotencyKey: string;
}

/** A request in the PMS, with its decision once one is recorded. */
export interface StoredRequest {
  request: GuestRequest;
  decision: Decision | null;
}

/** The simulated hotel systems: the property-management system and the guest messaging service. */
export interface HotelSystems {
  pms: {
    /**
     * A guest asks (in the app, at the desk): the PMS stores the request and returns the body of
     * the webhook it sends about it. Tests and demos play the guest with it.
     */
    receiveRequest(request: Omit<GuestRequest, 'type' | 'createdAt'>): GuestRequest;
    /** Requests received since `since` (ISO 8601) that have no decision yet, oldest first. */
    undecidedRequests(since: string, options?: RequestOptions): Promise<GuestRequest[]>;
    availability(room: string, date: string, options?: RequestOptions): Promise<Availability>;
    /** Stores the decision on the request, once per idempotency key. */
    recordDecision(requestId: string, decision: Decision, options: KeyedRequest): Promise<DecisionRecorded>;
    /** A request as the PMS holds it now. */
    request(requestId: string): StoredRequest | undefined;
  };
  messaging: {
    send(reservationId: string, text: string, options: KeyedRequest): Promise<GuestMessage>;
    /** Messages actually delivered, once each. */
    readonly delivered: ReadonlyArray<{ reservationId: string; text: string; messageId: string }>;
  };
  /** Decisions the PMS stored, in order: what a test counts (one per request, never two). */
  readonly decisionsRecorded: readonly string[];
}

export interface HotelSystemsOptions {
  /** `GUEST_LATENCY_MS` and `GUEST_LOST_REQUESTS` are read here. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  clock?: Clock;
}

/** Today's arrivals by room (check-in times), the same every day; rooms not listed have none. */
export const ARRIVALS: Readonly<Record<string, string>> = { '102': '14:00', '105': '12:30', '203': '15:00' };
/** Rooms 101–110, 201–210, 301–310; the x10 rooms are suites, which take longer to clean. */
const ROOM = /^[1-3](0[1-9]|10)$/;

/**
 * A simulated PMS and guest messaging service. Each answers after `GUEST_LATENCY_MS` (default
 * 200 ms). With `GUEST_LOST_REQUESTS=<n>`, the PMS starts with _n_ undecided requests whose
 * webhooks never arrived, for the sweep to find. Decisions and messages honour idempotency
 * keys, as real ones do. State lives in the returned object, so two instances never share it.
 * Under `vigil chaos` (`VIGIL_CHAOS_LEDGER_URL` in `env`), each decision stored and message sent is
 * also recorded in the harness's external ledger, and deduplicated through it across workers
 * (`recordChaosEffect` from vigil/testing).
 */
export function createHotelSystems(options: HotelSystemsOptions = {}): HotelSystems {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const stored = new Map<string, StoredRequest>();
  const decisions = new Map<string, DecisionRecorded>();
  const decisionsRecorded: string[] = [];
  const messages = new Map<string, GuestMessage>();
  const delivered: Array<{ reservationId: string; text: string; messageId: string }> = [];
  let seeded = false;

  const answer = async (signal: AbortSignal | undefined): Promise<void> => {
    const ms = wholeNumber(env, 'GUEST_LATENCY_MS') ?? 200;
    if (ms > 0) await clock.sleep(ms, signal);
    signal?.throwIfAborted();
  };
  const receiveRequest = (request: Omit<GuestRequest, 'type' | 'createdAt'>): GuestRequest => {
    const full: GuestRequest = { type: 'late-checkout', ...request, createdAt: new Date(clock.now()).toISOString() };
    stored.set(full.requestId, { request: full, decision: null });
    return full;
  };
  /** The requests of `GUEST_LOST_REQUESTS`, received when the PMS is first asked for anything. */
  const seedLostRequests = (): void => {
    if (seeded) return;
    seeded = true;
    const date = new Date(clock.now()).toISOString().slice(0, 10);
    for (let i = 1; i <= (wholeNumber(env, 'GUEST_LOST_REQUESTS') ?? 0); i++) {
      receiveRequest({
        requestId: `REQ-LOST-${i}`,
        reservationId: `RES-LOST-${i}`,
        room: `30${i % 9 || 9}`,
        guestName: ['Ines Duarte', 'Tom Becker', 'Aiko Sato'][i % 3]!,
        loyaltyTier: i % 2 === 0 ? 'gold' : 'none',
        checkoutDate: date,
        requestedUntil: i % 2 === 0 ? '14:00' : '12:30',
      });
    }
  };

  return {
    decisionsRecorded,
    pms: {
      receiveRequest,
      request: (requestId) => stored.get(requestId),
      async undecidedRequests(since, { signal } = {}) {
        seedLostRequests();
        await answer(signal);
        return [...stored.values()]
          .filter((s) => s.decision === null && s.request.createdAt >= since)
          .map((s) => s.request)
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      },
      async availability(room, _date, { signal } = {}) {
        await answer(signal);
        const known = ROOM.test(room);
        return {
          room,
          known,
          nextArrival: known ? (ARRIVALS[room] ?? null) : null,
          cleaningMinutes: room.endsWith('10') ? 90 : 45,
        };
      },
      async recordDecision(requestId, decision, { idempotencyKey, signal }) {
        seedLostRequests();
        await answer(signal);
        const existing = decisions.get(idempotencyKey);
        if (existing) return existing;
        // A request the PMS sent but this simulation never saw (a webhook sent by hand) is taken as it comes.
        const entry = stored.get(requestId);
        if (entry) entry.decision = decision;
        const recorded: DecisionRecorded = { requestId, status: decision.approved ? 'approved' : 'declined' };
        decisions.set(idempotencyKey, recorded);
        // Under `vigil chaos`, stored once per key across every worker, as the real PMS does.
        if (await recordChaosEffect({ effect: 'pms.decision-stored', subject: requestId, idempotencyKey }, env))
          decisionsRecorded.push(requestId);
        return recorded;
      },
    },
    messaging: {
      delivered,
      async send(reservationId, text, { idempotencyKey, signal }) {
        await answer(signal);
        const existing = messages.get(idempotencyKey);
        if (existing) return existing;
        const message = { messageId: `MSG-${messages.size + 1}`, reservationId };
        messages.set(idempotencyKey, message);
        if (
          await recordChaosEffect({ effect: 'guest.message-sent', subject: runOf(idempotencyKey), idempotencyKey }, env)
        )
          delivered.push({ ...message, text });
        return message;
      },
    },
  };
}

function wholeNumber(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${name} must be a whole number of at least 0; got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** The run a tool call's idempotency key (`<runId>:<seq>`) belongs to. */
function runOf(idempotencyKey: string): string {
  return idempotencyKey.split(':')[0]!;
}
