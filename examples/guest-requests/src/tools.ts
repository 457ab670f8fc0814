import { defineTool } from 'vigil';
import { z } from 'zod';

import { Availability, Decision, DecisionRecorded, GuestMessage, GuestRequest } from './records.js';
import type { HotelSystems } from './systems.js';

/**
 * The tools of the guest-request workflows on `systems`. A guest waits for the answer, so every
 * call is short: 5 s per attempt, 3 attempts with backoff from 500 ms.
 */
export function guestTools(systems: HotelSystems) {
  const policy = { timeout: '5s', retry: { attempts: 3, initialDelay: '500ms' } } as const;
  return {
    roomAvailability: defineTool({
      name: 'pms.availability',
      version: '1.0.0',
      description: "Whether a room can stay occupied: the next guest's check-in and the cleaning before it",
      input: z.object({ room: z.string(), date: z.iso.date() }),
      output: Availability,
      ...policy,
      effects: 'none',
      run: ({ room, date }, { signal }) => systems.pms.availability(room, date, { signal }),
    }),
    recordDecision: defineTool({
      name: 'pms.record-decision',
      version: '1.0.0',
      description: 'Stores the decision on the request in the PMS, once per idempotency key',
      input: z.object({ requestId: z.string(), decision: Decision }),
      output: DecisionRecorded,
      ...policy,
      effects: 'idempotent',
      run: ({ requestId, decision }, { idempotencyKey, signal }) =>
        systems.pms.recordDecision(requestId, decision, { idempotencyKey, signal }),
    }),
    notifyGuest: defineTool({
      name: 'guest.notify',
      version: '1.0.0',
      description: 'Messages the guest, once per idempotency key',
      input: z.object({ reservationId: z.string(), text: z.string() }),
      output: GuestMessage,
      ...policy,
      effects: 'idempotent',
      run: ({ reservationId, text }, { idempotencyKey, signal }) =>
        systems.messaging.send(reservationId, text, { idempotencyKey, signal }),
    }),
    undecidedRequests: defineTool({
      name: 'pms.undecided-requests',
      version: '1.0.0',
      description: 'Requests the PMS received since a time that have no decision yet',
      input: z.object({ since: z.iso.datetime() }),
      // Loose: fields this schema does not name are kept, so the sweep re-sends each record exactly as
      // the PMS's webhook carried it, and both events hold one payload.
      output: z.array(GuestRequest.loose()),
      ...policy,
      effects: 'none',
      run: ({ since }, { signal }) => systems.pms.undecidedRequests(since, { signal }),
    }),
  };
}

export type GuestTools = ReturnType<typeof guestTools>;
