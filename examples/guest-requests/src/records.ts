import { z } from 'zod';

/** `HH:MM`, 24 h, the hotel's local time. */
const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day such as 13:00');

/**
 * A guest's request as the property-management system (PMS) holds it, and as it sends it in
 * its webhook: the late-checkout workflow's input. The sweep re-sends exactly this record, so
 * both events carry the same payload and start one run between them.
 */
export const GuestRequest = z.object({
  type: z.literal('late-checkout'),
  requestId: z.string().regex(/^REQ-[A-Za-z0-9-]{1,40}$/, 'requestId looks like REQ-1001'),
  reservationId: z.string().min(1),
  room: z.string().min(1),
  guestName: z.string().min(1),
  loyaltyTier: z.enum(['none', 'silver', 'gold']),
  checkoutDate: z.iso.date(),
  /** Until when the guest would like to keep the room. */
  requestedUntil: Time,
  /** When the guest asked (ISO 8601). */
  createdAt: z.iso.datetime(),
});
export type GuestRequest = z.infer<typeof GuestRequest>;

/** Whether the room can stay occupied: the next guest's check-in and the cleaning it needs first. */
export const Availability = z.object({
  room: z.string(),
  /** False for a room the PMS does not know: the rules cannot decide then. */
  known: z.boolean(),
  /** Check-in time of the next guest in this room that day, or null if none arrives. */
  nextArrival: Time.nullable(),
  cleaningMinutes: z.number().int().min(0),
});
export type Availability = z.infer<typeof Availability>;

/** What was decided, by the rules or by the front desk. */
export const Decision = z.object({
  approved: z.boolean(),
  /** The checkout time that applies. */
  checkoutAt: Time,
  feeUsd: z.number().min(0),
  /** Why, in words the guest can read. */
  reason: z.string(),
  decidedBy: z.enum(['rules', 'front-desk', 'no-answer']),
});
export type Decision = z.infer<typeof Decision>;

/** What the front desk answers to an escalated request (`decision: provide`). */
export const FrontDeskAnswer = z.object({
  approved: z.boolean(),
  checkoutAt: Time.optional(),
  feeUsd: z.number().min(0).optional(),
  note: z.string().optional(),
});
export type FrontDeskAnswer = z.infer<typeof FrontDeskAnswer>;

export const DecisionRecorded = z.object({ requestId: z.string(), status: z.enum(['approved', 'declined']) });
export type DecisionRecorded = z.infer<typeof DecisionRecorded>;

export const GuestMessage = z.object({ messageId: z.string(), reservationId: z.string() });
export type GuestMessage = z.infer<typeof GuestMessage>;
