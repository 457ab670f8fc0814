import { z } from 'zod';

import { Eligibility, FollowUp, PatientRecord, PharmacyOrder } from './records.js';

/** What the summary is written from: the results of the four steps before it. */
export const SummaryFacts = z.object({
  record: PatientRecord,
  eligibility: Eligibility,
  order: PharmacyOrder,
  followUp: FollowUp,
});
export type SummaryFacts = z.infer<typeof SummaryFacts>;

/** The discharge summary, and which wrote it: `template`, or the model's name (`qwen3:8b`). */
export interface DischargeSummary {
  text: string;
  writtenBy: string;
}

/**
 * The discharge summary as a form: what the discharge falls back to when the model fails. It
 * needs nothing but the facts the earlier steps gathered, so it cannot fail itself.
 */
export function templateSummary({ record, eligibility, order, followUp }: SummaryFacts): DischargeSummary {
  const medications =
    order.status === 'placed'
      ? `${order.items.join(', ')} (pharmacy order ${order.orderId}, ready ${order.readyBy})`
      : `${record.medications.join(', ')} (pending pharmacist review)`;
  const visit =
    followUp.at === null
      ? `${followUp.clinic}, to be booked by the scheduling desk`
      : `${followUp.clinic} on ${followUp.at.slice(0, 16).replace('T', ' ')} UTC`;
  const text = [
    `Discharge summary for ${record.name} (${record.patientId}), ${record.ward}.`,
    `Insurance: ${eligibility.eligible ? `eligible, ${eligibility.plan} plan, copay $${eligibility.copayUsd}` : 'not eligible'}.`,
    `Medications: ${medications}.`,
    `Follow-up: ${visit}.`,
    `Attending: ${record.attendingPhysician}.`,
  ].join('\n');
  return { text, writtenBy: 'template' };
}

/** The summary as prose, where the template writes a form: what the offline model answers. */
export function proseSummary({ record, eligibility, order, followUp }: SummaryFacts): string {
  const cover = eligibility.eligible
    ? `is covered by a ${eligibility.plan} plan (copay $${eligibility.copayUsd})`
    : 'has no active coverage';
  const meds =
    order.status === 'placed'
      ? `goes home with ${order.items.join(' and ')} (order ${order.orderId}, ready ${order.readyBy})`
      : `awaits a pharmacist's review of ${record.medications.join(' and ')}`;
  const visit =
    followUp.at === null
      ? 'a follow-up visit is still to be booked'
      : `returns to the ${followUp.clinic} on ${followUp.at.slice(0, 10)}`;
  return (
    `${record.name} (${record.patientId}) leaves ${record.ward} under ${record.attendingPhysician}. ` +
    `The patient ${cover}, ${meds}, and ${visit}.`
  );
}
