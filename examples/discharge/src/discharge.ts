import { defineWorkflow } from 'vigil';
import { z } from 'zod';

import { templateSummary } from './summary.js';
import { appointmentBook, ehr, insurer, notifier, pharmacy } from './systems.js';

export const DischargeInput = z.object({
  patientId: z.string().regex(/^P-\d{1,10}$/, 'patientId looks like P-1001'),
  notify: z
    .object({ channel: z.enum(['sms', 'email']), to: z.string().min(3) })
    .default({ channel: 'sms', to: '+1-555-0100' }),
});

/**
 * Patient discharge: fetch the record, check insurance, order discharge medications, book
 * the follow-up, write the summary, notify the patient. Each is a checkpointed step, so a
 * crash resumes at the first unfinished one; steps with effects pass their idempotency key on.
 */
export const discharge = defineWorkflow(
  {
    name: 'patient.discharge',
    version: 1,
    description: 'Six-step patient discharge against simulated hospital systems',
    input: DischargeInput,
    steps: ['record', 'insurance', 'pharmacy', 'appointments', 'summary', 'notify'],
  },
  async (ctx, input) => {
    const record = await ctx.step('record', ({ signal }) => ehr.fetchRecord(input.patientId, signal));
    const eligibility = await ctx.step('insurance', ({ signal }) =>
      insurer.checkEligibility(record.insuranceId, signal),
    );
    const order = await ctx.step('pharmacy', ({ idempotencyKey, signal }) =>
      pharmacy.orderDischargeMedications(record.medications, idempotencyKey, signal),
    );
    const dischargedAt = ctx.now();
    const appointment = await ctx.step('appointments', ({ idempotencyKey, signal }) =>
      appointmentBook.bookFollowUp(record.patientId, dischargedAt, idempotencyKey, signal),
    );
    const summary = await ctx.step('summary', () => templateSummary(record, eligibility, order, appointment));
    const notification = await ctx.step('notify', ({ idempotencyKey, signal }) =>
      notifier.send(input.notify.to, input.notify.channel, summary, idempotencyKey, signal),
    );
    ctx.log.info('patient discharged', { patientId: input.patientId });
    return {
      patientId: record.patientId,
      eligible: eligibility.eligible,
      pharmacyOrder: order.orderId,
      followUp: appointment.at,
      notified: notification.messageId,
      summary,
    };
  },
);
