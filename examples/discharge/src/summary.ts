import type { Appointment, Eligibility, PatientRecord, PharmacyOrder } from './systems.js';

/** The discharge summary as a template. A later version writes it with an LLM and keeps this as the fallback. */
export function templateSummary(
  record: PatientRecord,
  eligibility: Eligibility,
  order: PharmacyOrder,
  appointment: Appointment,
): string {
  return [
    `Discharge summary for ${record.name} (${record.patientId}), ${record.ward}.`,
    `Insurance: ${eligibility.eligible ? `eligible, ${eligibility.plan} plan, copay $${eligibility.copayUsd}` : 'not eligible'}.`,
    `Medications: ${order.items.join(', ')} (pharmacy order ${order.orderId}, ready ${order.readyBy}).`,
    `Follow-up: ${appointment.clinic} on ${appointment.at.slice(0, 16).replace('T', ' ')} UTC.`,
    `Attending: ${record.attendingPhysician}.`,
  ].join('\n');
}
