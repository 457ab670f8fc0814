/**
 * Simulated hospital systems for the discharge example: an EHR, an insurer, a pharmacy, an
 * appointment book and a notification service. Each answers after a configurable delay
 * (`DISCHARGE_LATENCY_MS`, default 1500 ms) so a run lasts long enough to kill it mid-way.
 *
 * The pharmacy and the appointment book honour idempotency keys, as real ones do: asked twice
 * with the same key, they return the first answer instead of acting twice.
 */
export interface PatientRecord {
  patientId: string;
  name: string;
  ward: string;
  insuranceId: string;
  medications: string[];
  attendingPhysician: string;
}

export interface Eligibility {
  eligible: boolean;
  plan: string;
  copayUsd: number;
}

export interface PharmacyOrder {
  orderId: string;
  items: string[];
  readyBy: string;
}

export interface Appointment {
  appointmentId: string;
  clinic: string;
  at: string;
}

export interface Notification {
  channel: 'sms' | 'email';
  to: string;
  messageId: string;
}

function latency(signal?: AbortSignal): Promise<void> {
  const ms = Number(process.env['DISCHARGE_LATENCY_MS'] ?? 1500);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });
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

export const ehr = {
  async fetchRecord(patientId: string, signal?: AbortSignal): Promise<PatientRecord> {
    await latency(signal);
    const seed = seeded(patientId);
    return {
      patientId,
      name: NAMES[seed % NAMES.length]!,
      ward: WARDS[seed % WARDS.length]!,
      insuranceId: `INS-${(seed % 90000) + 10000}`,
      medications: MEDICATIONS[seed % MEDICATIONS.length]!,
      attendingPhysician: 'Dr. Rivera',
    };
  },
};

export const insurer = {
  async checkEligibility(insuranceId: string, signal?: AbortSignal): Promise<Eligibility> {
    await latency(signal);
    return { eligible: true, plan: insuranceId.endsWith('7') ? 'Silver' : 'Gold', copayUsd: 25 };
  },
};

const pharmacyOrders = new Map<string, PharmacyOrder>();
export const pharmacy = {
  async orderDischargeMedications(
    items: string[],
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<PharmacyOrder> {
    await latency(signal);
    const existing = pharmacyOrders.get(idempotencyKey);
    if (existing) return existing;
    const order = { orderId: `RX-${pharmacyOrders.size + 1001}`, items, readyBy: 'within 2 hours' };
    pharmacyOrders.set(idempotencyKey, order);
    return order;
  },
};

const appointments = new Map<string, Appointment>();
export const appointmentBook = {
  async bookFollowUp(
    patientId: string,
    notBefore: number,
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<Appointment> {
    await latency(signal);
    const existing = appointments.get(idempotencyKey);
    if (existing) return existing;
    const at = new Date(notBefore + 7 * 86_400_000);
    at.setUTCHours(9 + (seeded(patientId) % 8), 0, 0, 0);
    const appointment = {
      appointmentId: `APT-${appointments.size + 501}`,
      clinic: 'Follow-up Clinic',
      at: at.toISOString(),
    };
    appointments.set(idempotencyKey, appointment);
    return appointment;
  },
};

export const notifier = {
  async send(
    to: string,
    channel: 'sms' | 'email',
    _text: string,
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<Notification> {
    await latency(signal);
    return { channel, to, messageId: `MSG-${idempotencyKey.slice(-12)}` };
  },
};
