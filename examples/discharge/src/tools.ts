import { defineTool, type StepPolicyOptions } from 'vigil';
import { z } from 'zod';

import { Eligibility, FollowUp, Notification, PatientRecord, PharmacyOrder } from './records.js';
import type { HospitalSystems } from './systems.js';

/** The discharge's tools, by the declared step each one does (the summary is an LLM call, not a tool). */
export type DischargeStep = 'record' | 'insurance' | 'pharmacy' | 'appointments' | 'notify';

/** A tool's failure policy, without the fallback (that is part of what the tool means). */
export type ToolPolicy = Omit<StepPolicyOptions, 'fallback'>;

/**
 * The failure policy of each tool, as the brief has it. Tests override single fields through
 * {@link dischargeTools} (no jitter, say), never the shape.
 */
export const DISCHARGE_POLICIES = {
  record: { timeout: '5s', retry: { attempts: 3, initialDelay: '500ms' }, effects: 'none' },
  // Flaky: exponential backoff (1 s, 2 s, 4 s, 8 s, jittered), then billing decides; the run waits.
  insurance: {
    timeout: '10s',
    retry: { attempts: 5, initialDelay: '1s', factor: 2, maxDelay: '30s', jitter: 'full' },
    effects: 'none',
    onExhausted: 'escalate',
    escalateTo: 'billing',
    blocking: true,
  },
  // Slow: 10 s per attempt, one retry, then a pharmacist takes over while the discharge goes on.
  pharmacy: {
    timeout: '10s',
    retry: { attempts: 2, initialDelay: '2s' },
    effects: 'idempotent',
    onExhausted: 'escalate',
    escalateTo: 'pharmacist',
    blocking: false,
  },
  // Down: no retries within a run; the breaker, shared by every run and worker, opens after 3
  // consecutive failures and lets one probe through each 30 s. A scheduler books it meanwhile.
  appointments: {
    timeout: '10s',
    retry: { attempts: 1 },
    circuitBreaker: { failureThreshold: 3, cooldown: '30s' },
    effects: 'idempotent',
    onExhausted: 'escalate',
    escalateTo: 'scheduler',
    blocking: false,
  },
  notify: { timeout: '10s', retry: { attempts: 3, initialDelay: '1s' }, effects: 'idempotent' },
} as const satisfies Record<DischargeStep, ToolPolicy>;

/**
 * What each call costs, USD, reserved against the discharge's budget before it runs. The EHR,
 * pharmacy and appointment book are the hospital's own systems (no per-call fee); the insurer's
 * eligibility check goes through a clearinghouse that bills per request; SMS costs more than
 * email. Illustrative figures: replace them with your contracts' (or have the tool report its
 * actual cost). The summary is an LLM call, priced by tokens (see DISCHARGE_PRICING).
 */
export const DISCHARGE_COSTS = {
  insurance: 0.005,
  notify: ({ channel }: { channel: 'sms' | 'email' }) => (channel === 'sms' ? 0.0079 : 0.001),
} as const;

/** What the discharge continues with while a pharmacist places the order. */
export const PENDING_ORDER: PharmacyOrder = Object.freeze({
  orderId: null,
  status: 'pending-pharmacist-review',
  items: [],
  readyBy: null,
});

/** What the discharge continues with while a scheduler books the follow-up. */
export const PENDING_FOLLOW_UP: FollowUp = Object.freeze({
  appointmentId: null,
  status: 'pending-scheduler-booking',
  clinic: 'Follow-up Clinic',
  at: null,
});

/**
 * The discharge's tools on `systems`, each with its policy from {@link DISCHARGE_POLICIES} and
 * `overrides` applied over it (`retry` field by field).
 *
 * @example
 * const tools = dischargeTools(createHospitalSystems({ clock }), { insurance: { retry: { jitter: 'none' } } });
 */
export function dischargeTools(systems: HospitalSystems, overrides: Partial<Record<DischargeStep, ToolPolicy>> = {}) {
  const policy = (step: DischargeStep): ToolPolicy => {
    const base: ToolPolicy = DISCHARGE_POLICIES[step];
    const override = overrides[step] ?? {};
    return { ...base, ...override, retry: { ...base.retry, ...override.retry } };
  };
  return {
    ehrRead: defineTool({
      name: 'ehr.read',
      version: '1.0.0',
      description: "Reads the patient's record and discharge order from the EHR",
      input: z.object({ patientId: z.string() }),
      output: PatientRecord,
      ...policy('record'),
      run: ({ patientId }, { signal }) => systems.ehr.fetchRecord(patientId, { signal }),
    }),
    insuranceCheck: defineTool({
      name: 'insurance.check',
      version: '1.0.0',
      description: 'Checks insurance eligibility and coverage; escalates to billing when the insurer keeps failing',
      input: z.object({ insuranceId: z.string() }),
      output: Eligibility,
      ...policy('insurance'),
      cost: DISCHARGE_COSTS.insurance,
      run: ({ insuranceId }, { idempotencyKey, signal }) =>
        systems.insurer.checkEligibility(insuranceId, { idempotencyKey, signal }),
    }),
    pharmacyOrder: defineTool({
      name: 'pharmacy.order',
      version: '1.0.0',
      description: 'Orders discharge medications; a pharmacist takes over when the pharmacy is too slow',
      input: z.object({ medications: z.array(z.string()).min(1) }),
      output: PharmacyOrder,
      ...policy('pharmacy'),
      fallback: PENDING_ORDER,
      run: ({ medications }, { idempotencyKey, signal }) =>
        systems.pharmacy.orderDischargeMedications(medications, { idempotencyKey, signal }),
    }),
    appointmentsBook: defineTool({
      name: 'appointments.book',
      version: '1.0.0',
      description: 'Books the follow-up visit; behind a circuit breaker, a scheduler books it while the book is down',
      input: z.object({ patientId: z.string(), notBefore: z.number().int() }),
      output: FollowUp,
      ...policy('appointments'),
      fallback: PENDING_FOLLOW_UP,
      run: ({ patientId, notBefore }, { idempotencyKey, signal }) =>
        systems.appointmentBook.bookFollowUp(patientId, notBefore, { idempotencyKey, signal }),
    }),
    notifySend: defineTool({
      name: 'notify.send',
      version: '1.0.0',
      description: 'Notifies the patient and providers, once per idempotency key',
      input: z.object({ to: z.string(), channel: z.enum(['sms', 'email']), text: z.string() }),
      output: Notification,
      ...policy('notify'),
      cost: DISCHARGE_COSTS.notify,
      run: ({ to, channel, text }, { idempotencyKey, signal }) =>
        systems.notifier.send(to, channel, text, { idempotencyKey, signal }),
    }),
  };
}

export type DischargeTools = ReturnType<typeof dischargeTools>;
