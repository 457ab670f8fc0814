/**
 * The late-checkout workflow as `vigil chaos` loads it (see the README's "Chaos profile"): the
 * workflow and its tools with their production policies (5 s a call, 3 attempts) on a simulated
 * PMS and messaging service that answer after `GUEST_LATENCY_MS` (200 ms), each decision stored and
 * message sent recorded in the harness's ledger (systems.ts). Runs are started directly, as the
 * `guest.request` event would start them; no model is needed.
 */
import type { z } from 'zod';

import { lateCheckoutWorkflow } from './late-checkout.js';
import type { GuestRequest } from './records.js';
import { createHotelSystems } from './systems.js';
import { guestTools } from './tools.js';

/** The tools on this process's simulated PMS and messaging service. */
export const tools = guestTools(createHotelSystems());

/** `guest.late-checkout` on {@link tools}: one run at a time per room, as in production. */
export const lateCheckout = lateCheckoutWorkflow(tools);

const ROOMS = ['101', '102', '105', '110', '203', '204', '210', '301', '305', '310'];
const UNTIL = ['12:30', '13:00', '14:00', '15:30', '11:00'];
const TIERS = ['none', 'silver', 'gold'] as const;
const GUESTS = ['Ines Duarte', 'Tom Becker', 'Aiko Sato', 'Omar Nasser', 'Lena Vogt'];

/**
 * Run `i`'s request: its own request and reservation, one of ten rooms (three with arrivals that
 * day, three suites) and five requested times, so the rules approve some free, some for a fee, and
 * decline others; runs that share a room queue behind each other (the workflow's concurrency key).
 * No request is past 16:00 or for an unknown room, so none waits on the front desk.
 */
export function chaosInputs(i: number): z.input<typeof GuestRequest> {
  return {
    type: 'late-checkout',
    requestId: `REQ-CHAOS-${i}`,
    reservationId: `RES-${5000 + i}`,
    room: ROOMS[i % ROOMS.length]!,
    guestName: GUESTS[i % GUESTS.length]!,
    loyaltyTier: TIERS[i % TIERS.length]!,
    checkoutDate: '2026-06-01',
    requestedUntil: UNTIL[i % UNTIL.length]!,
    createdAt: `2026-06-01T07:${String(i % 60).padStart(2, '0')}:00Z`,
  };
}
