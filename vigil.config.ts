// What `npm start` (vigil dev) loads: the example workflows, their tools (for `vigil tools list`),
// the offline model and the webhook sender of the guest-requests example.
import { discharge, dischargeSummaryScript, tools as dischargeTools } from '@vigil-examples/discharge';
import { lateCheckout, pmsWebhookSource, requestsSweep, tools as guestTools } from '@vigil-examples/guest-requests';
import {
  investigation,
  investigationScript,
  investigationToolset,
  reconciliation,
  tools as reconciliationTools,
} from '@vigil-examples/reconciliation';
import { defineConfig, NonRetryableError, scriptedModel } from 'vigil';

const dischargeScript = dischargeSummaryScript();
const reconciliationScript = investigationScript();

/**
 * `default` offline: one scripted model for every example. Each example's script answers its own
 * prompts and passes on the rest; a prompt no example knows fails the call, without retries, by name.
 */
const examplesModel = scriptedModel({
  modelId: 'examples-scripted',
  script: (request) => {
    const reply = dischargeScript(request) ?? reconciliationScript(request);
    if (reply !== undefined) return reply;
    const asked = request.lastUserMessage.replace(/\s+/g, ' ').slice(0, 120);
    throw new NonRetryableError(`examples-scripted has no reply for the prompt "${asked}"`, {
      code: 'scripted_prompt_unknown',
    });
  },
});

export default defineConfig({
  workflows: [discharge, reconciliation, investigation, lateCheckout, requestsSweep],
  tools: [
    ...Object.values(dischargeTools),
    ...Object.values(reconciliationTools),
    ...Object.values(investigationToolset),
    ...Object.values(guestTools),
  ],
  // `default` is one offline model for every example: it writes the discharge summary and runs
  // the reconciliation's investigation agent, and fails any other prompt by name. VIGIL_LLM_URL
  // (and VIGIL_LLM_MODEL) put a real OpenAI-compatible server in its place, with no change here.
  llm: { models: { default: examplesModel } },
  // Priced as a mid-size hosted model, so runs show a cost and count against budgets as with a real one.
  pricing: { 'examples-scripted': { input: 2, output: 8 } },
  // The notification's address and text carry a patient's phone number and name: the audit trail
  // keeps that the message was sent, to which patient's run, not what it said or where it went.
  audit: { redactPaths: ['policy.decided.args.to', 'policy.decided.args.text'] },
  webhooks: {
    sources: {
      // POST /v1/webhooks/pms → event `guest.request`. Secrets from VIGIL_WEBHOOK_SECRET_PMS; without
      // it, the development secret published in examples/guest-requests (never in production).
      pms: pmsWebhookSource(),
    },
  },
});
