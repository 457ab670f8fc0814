import type { DischargeSummary } from './records.js';
import type { SummaryFacts } from './systems.js';

/**
 * The discharge summary as a form: what the discharge falls back to when the summary service
 * fails. It needs nothing but the facts the earlier steps gathered, so it cannot fail itself.
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
