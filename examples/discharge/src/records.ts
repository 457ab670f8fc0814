import { z } from 'zod';

/**
 * What the discharge learns from each hospital system, as schemas: each tool checks its result
 * against one, and a human's answer to an escalation (`provide`) is checked the same way.
 * The pending shapes are the tools' fallbacks: what the discharge continues with while a person
 * finishes that piece.
 */
export const PatientRecord = z.object({
  patientId: z.string(),
  name: z.string(),
  ward: z.string(),
  insuranceId: z.string(),
  medications: z.array(z.string()),
  attendingPhysician: z.string(),
});
export type PatientRecord = z.infer<typeof PatientRecord>;

export const Eligibility = z.object({ eligible: z.boolean(), plan: z.string(), copayUsd: z.number().min(0) });
export type Eligibility = z.infer<typeof Eligibility>;

export const PharmacyOrder = z.object({
  orderId: z.string().nullable(),
  status: z.enum(['placed', 'pending-pharmacist-review']),
  items: z.array(z.string()),
  readyBy: z.string().nullable(),
});
export type PharmacyOrder = z.infer<typeof PharmacyOrder>;

export const FollowUp = z.object({
  appointmentId: z.string().nullable(),
  status: z.enum(['booked', 'pending-scheduler-booking']),
  clinic: z.string(),
  /** ISO 8601, or null until someone books it. */
  at: z.string().nullable(),
});
export type FollowUp = z.infer<typeof FollowUp>;

export const Notification = z.object({
  channel: z.enum(['sms', 'email']),
  to: z.string(),
  messageId: z.string(),
});
export type Notification = z.infer<typeof Notification>;
