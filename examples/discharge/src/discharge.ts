import { defineWorkflow, type RetryOptions } from 'vigil';
import { z } from 'zod';

import { DISCHARGE_ACCESS_POLICY } from './access-policy.js';
import { templateSummary, type DischargeSummary } from './summary.js';
import { SUMMARY_MAX_OUTPUT_TOKENS, SUMMARY_POLICY, SUMMARY_SYSTEM, summaryPrompt } from './summary-prompt.js';
import { createHospitalSystems } from './systems.js';
import { dischargeTools, type DischargeTools } from './tools.js';

export const DischargeInput = z.object({
  patientId: z.string().regex(/^P-\d{1,10}$/, 'patientId looks like P-1001'),
  notify: z
    .object({ channel: z.enum(['sms', 'email']), to: z.string().min(3) })
    .default({ channel: 'sms', to: '+1-555-0100' }),
  /**
   * Another patient whose record the care team asks for too (a newborn's mother, say). The
   * access policy confines record reads to `patientId`, so this read is denied before it reaches
   * the EHR, and a privacy officer decides what happens to the discharge.
   */
  relatedPatientId: z
    .string()
    .regex(/^P-\d{1,10}$/, 'relatedPatientId looks like P-1001')
    .optional(),
});

export interface DischargeOptions {
  /** Over the summary call's retry policy (`SUMMARY_POLICY`): tests turn its jitter off. */
  summaryRetry?: RetryOptions;
}

/**
 * Patient discharge on `tools`: fetch the record, check insurance, order discharge medications,
 * book the follow-up, write the summary, notify the patient. Each is a checkpointed step with its
 * own failure policy (see tools.ts): a crash resumes at the first unfinished step, and a failing
 * system costs the discharge only its own piece. The pharmacy and the follow-up fall back to
 * "pending" while a person finishes them. The summary is an LLM call on the `default` model
 * (`VIGIL_LLM_URL`, the config's, or the offline `dischargeModel`) that falls back to the
 * template. Its tool access policy (`DISCHARGE_ACCESS_POLICY`) lets it read its own patient's
 * record only.
 */
export function dischargeWorkflow(tools: DischargeTools, options: DischargeOptions = {}) {
  const summaryPolicy = { ...SUMMARY_POLICY, retry: { ...SUMMARY_POLICY.retry, ...options.summaryRetry } };
  return defineWorkflow(
    {
      name: 'patient.discharge',
      version: 1,
      title: 'Discharge',
      description: 'Six-step patient discharge against simulated hospital systems',
      input: DischargeInput,
      steps: [
        { name: 'record', title: 'Patient record' },
        { name: 'insurance', title: 'Insurance verification' },
        { name: 'pharmacy', title: 'Pharmacy coordination' },
        { name: 'appointments', title: 'Follow-up scheduling' },
        { name: 'summary', title: 'Discharge summary' },
        { name: 'notify', title: 'Patient notification' },
      ],
      // Each call's cost is reserved before it runs (DISCHARGE_COSTS; the summary's from its
      // prompt, maxOutputTokens and the price table): a discharge never spends past 50 cents,
      // nor one step past 5, even across retries and a billing retry.
      budget: { usd: 0.5, perStepUsd: 0.05 },
      policy: DISCHARGE_ACCESS_POLICY,
    },
    async (ctx, input) => {
      const record = await ctx.tool(tools.ehrRead, { patientId: input.patientId }, { name: 'record' });
      if (input.relatedPatientId !== undefined) {
        // Outside the policy: denied without retries, then a privacy officer decides (the run waits).
        await ctx.tool(
          tools.ehrRead,
          { patientId: input.relatedPatientId },
          { name: 'related-record', onExhausted: 'escalate', escalateTo: 'privacy-officer' },
        );
      }
      const eligibility = await ctx.tool(
        tools.insuranceCheck,
        { insuranceId: record.insuranceId },
        { name: 'insurance' },
      );
      const order = await ctx.tool(tools.pharmacyOrder, { medications: record.medications }, { name: 'pharmacy' });
      const followUp = await ctx.tool(
        tools.appointmentsBook,
        { patientId: record.patientId, notBefore: ctx.now() },
        { name: 'appointments' },
      );
      const facts = { record, eligibility, order, followUp };
      const written = await ctx.llm({
        name: 'summary',
        model: 'default',
        system: SUMMARY_SYSTEM,
        prompt: summaryPrompt(facts),
        maxOutputTokens: SUMMARY_MAX_OUTPUT_TOKENS,
        ...summaryPolicy,
        reasoning: 'Discharge summary for the patient and the care team',
        // Once the model's attempts are used up (down, timing out, rate limited): the form.
        fallback: () => templateSummary(facts).text,
      });
      const summary: DischargeSummary = {
        text: written.text,
        writtenBy: written.model === 'fallback' ? 'template' : written.model,
      };
      const notification = await ctx.tool(
        tools.notifySend,
        { to: input.notify.to, channel: input.notify.channel, text: summary.text },
        { name: 'notify' },
      );
      ctx.log.info('patient discharged', {
        patientId: input.patientId,
        pharmacy: order.status,
        followUp: followUp.status,
        summary: summary.writtenBy,
      });
      return {
        patientId: record.patientId,
        eligible: eligibility.eligible,
        pharmacy: order,
        followUp,
        summary,
        notified: notification.messageId,
      };
    },
  );
}

/** This process's tools, on simulated systems that read their faults from `process.env`. */
export const tools = dischargeTools(createHospitalSystems());

/** The discharge `npm start` serves, with the brief's failure policies. */
export const discharge = dischargeWorkflow(tools);
