import { systemClock, type Clock } from 'vigil';
import { recordChaosEffect } from 'vigil/testing';

import { readFaultSettings, type FaultEnvironment, type FaultSettings } from './fault-settings.js';
import { httpError } from './http-error.js';
import type { Eligibility, FollowUp, Notification, PatientRecord, PharmacyOrder } from './records.js';

/** What every request to a system may carry. */
export interface RequestOptions {
  signal?: AbortSignal;
}

/** A request the system deduplicates: the same key twice gets the first answer. */
export interface KeyedRequest extends RequestOptions {
  idempotencyKey: string;
}

/** The simulated hospital systems, each with the faults its environment asks for. */
export interface HospitalSystems {
  ehr: { fetchRecord(patientId: string, options?: RequestOptions): Promise<PatientRecord> };
  insurer: { checkEligibility(insuranceId: string, options: KeyedRequest): Promise<Eligibility> };
  pharmacy: { orderDischargeMedications(items: string[], options: KeyedRequest): Promise<PharmacyOrder> };
  appointmentBook: { bookFollowUp(patientId: string, notBefore: number, options: KeyedRequest): Promise<FollowUp> };
  notifier: {
    send(to: string, channel: 'sms' | 'email', text: string, options: KeyedRequest): Promise<Notification>;
    /** Messages actually delivered, once each. */
    readonly delivered: readonly Notification[];
  };
  /** Requests each system received, failed ones included: what a test counts. */
  readonly requests: Readonly<Record<SystemName, number>>;
}

export type SystemName = 'ehr' | 'insurer' | 'pharmacy' | 'appointments' | 'notifier';

export interface HospitalSystemsOptions {
  /** Where the fault variables are read, at every request. Default `process.env`. */
  env?: FaultEnvironment;
  /** What the systems' latency waits on. Tests pass the runtime's FakeClock. */
  clock?: Clock;
}

/**
 * Simulated hospital systems for the discharge example: an EHR, an insurer, a pharmacy, an
 * appointment book and a notification service (the summary is written by a model: see
 * discharge-model.ts). Each answers after
 * `DISCHARGE_LATENCY_MS` (default 1500 ms), so a run lasts long enough to kill it mid-way, and
 * misbehaves as the fault variables say (see fault-settings.ts). State (orders, bookings,
 * messages) lives in the returned object, so two instances never share it.
 *
 * The insurer, the pharmacy, the appointment book and the notifier honour idempotency keys, as
 * real ones do: asked twice with the same key, they answer as the first time instead of acting twice.
 * Under `vigil chaos` (`VIGIL_CHAOS_LEDGER_URL` in `env`), the pharmacy and the notifier also
 * record each order placed and message sent in the harness's external ledger, and deduplicate
 * through it across worker processes (`recordChaosEffect` from vigil/testing).
 */
export function createHospitalSystems(options: HospitalSystemsOptions = {}): HospitalSystems {
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const requests: Record<SystemName, number> = {
    ehr: 0,
    insurer: 0,
    pharmacy: 0,
    appointments: 0,
    notifier: 0,
  };
  /** Counts the request, reads the faults now, and waits `delayMs` (default: the latency) or until aborted. */
  const receive = async (
    system: SystemName,
    signal: AbortSignal | undefined,
    delayMs?: (faults: FaultSettings) => number,
  ): Promise<FaultSettings> => {
    requests[system]++;
    const faults = readFaultSettings(env);
    const ms = delayMs ? delayMs(faults) : faults.latencyMs;
    if (ms > 0) await clock.sleep(ms, signal);
    signal?.throwIfAborted();
    return faults;
  };

  const insuranceRequests = new Map<string, number>();
  const orders = new Map<string, PharmacyOrder>();
  const bookings = new Map<string, FollowUp>();
  const messages = new Map<string, Notification>();
  const delivered: Notification[] = [];

  return {
    requests,
    ehr: {
      async fetchRecord(patientId, { signal } = {}) {
        await receive('ehr', signal);
        return recordOf(patientId);
      },
    },
    insurer: {
      async checkEligibility(insuranceId, { idempotencyKey, signal }) {
        const faults = await receive('insurer', signal);
        const seen = (insuranceRequests.get(idempotencyKey) ?? 0) + 1;
        insuranceRequests.set(idempotencyKey, seen);
        if (seen <= faults.insuranceFailures) throw httpError('Insurer gateway answered 502 Bad Gateway', 502);
        return { eligible: true, plan: insuranceId.endsWith('7') ? 'Silver' : 'Gold', copayUsd: 25 };
      },
    },
    pharmacy: {
      async orderDischargeMedications(items, { idempotencyKey, signal }) {
        await receive('pharmacy', signal, (faults) => faults.pharmacyDelayMs);
        const existing = orders.get(idempotencyKey);
        if (existing) return existing;
        const order: PharmacyOrder = {
          orderId: `RX-${orders.size + 1001}`,
          status: 'placed',
          items,
          readyBy: 'within 2 hours',
        };
        // Under `vigil chaos`, the order placed as the pharmacy shared by every worker sees it.
        await recordChaosEffect(
          { effect: 'pharmacy.order-placed', subject: runOf(idempotencyKey), idempotencyKey },
          env,
        );
        orders.set(idempotencyKey, order);
        return order;
      },
    },
    appointmentBook: {
      async bookFollowUp(patientId, notBefore, { idempotencyKey, signal }) {
        const faults = await receive('appointments', signal);
        if (faults.appointmentsDown) throw httpError('Appointment book answered 503 Service Unavailable', 503);
        const existing = bookings.get(idempotencyKey);
        if (existing) return existing;
        const at = new Date(notBefore + 7 * 86_400_000);
        at.setUTCHours(9 + (seeded(patientId) % 8), 0, 0, 0);
        const booking: FollowUp = {
          appointmentId: `APT-${bookings.size + 501}`,
          status: 'booked',
          clinic: 'Follow-up Clinic',
          at: at.toISOString(),
        };
        bookings.set(idempotencyKey, booking);
        return booking;
      },
    },
    notifier: {
      delivered,
      async send(to, channel, _text, { idempotencyKey, signal }) {
        await receive('notifier', signal);
        const existing = messages.get(idempotencyKey);
        if (existing) return existing;
        const message: Notification = { channel, to, messageId: `MSG-${idempotencyKey.slice(-12)}` };
        messages.set(idempotencyKey, message);
        // Under `vigil chaos`, delivered once per key across every worker, as the real notifier does.
        if (
          await recordChaosEffect(
            { effect: `notify.${channel}-sent`, subject: runOf(idempotencyKey), idempotencyKey },
            env,
          )
        )
          delivered.push(message);
        return message;
      },
    },
  };
}

/** Deterministic pseudo-data from a patient id, so the example needs no database of its own. */
function seeded(patientId: string): number {
  let hash = 0;
  for (const char of patientId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash;
}

const NAMES = ['Ada Moreno', 'Ben Okafor', 'Chen Li', 'Dana Fischer', 'Eli Haddad'];
const WARDS = ['Cardiology 3B', 'Orthopaedics 2A', 'General Medicine 4C'];
const MEDICATIONS = [
  ['metoprolol 25 mg', 'aspirin 81 mg'],
  ['oxycodone 5 mg', 'enoxaparin 40 mg'],
  ['amoxicillin 500 mg'],
];

function recordOf(patientId: string): PatientRecord {
  const seed = seeded(patientId);
  return {
    patientId,
    name: NAMES[seed % NAMES.length]!,
    ward: WARDS[seed % WARDS.length]!,
    insuranceId: `INS-${(seed % 90000) + 10000}`,
    medications: MEDICATIONS[seed % MEDICATIONS.length]!,
    attendingPhysician: 'Dr. Rivera',
  };
}

/** The run a tool call's idempotency key (`<runId>:<seq>`) belongs to. */
function runOf(idempotencyKey: string): string {
  return idempotencyKey.split(':')[0]!;
}
