// What `npm start` (vigil dev) loads: the example workflows, their tools (for `vigil tools list`),
// the offline model and the webhook sender of the guest-requests example.
import { discharge, DISCHARGE_PRICING, dischargeModel, tools as dischargeTools } from '@vigil-examples/discharge';
import { lateCheckout, pmsWebhookSource, requestsSweep, tools as guestTools } from '@vigil-examples/guest-requests';
import { reconciliation, tools as reconciliationTools } from '@vigil-examples/reconciliation';
import { defineConfig } from 'vigil';

export default defineConfig({
  workflows: [discharge, reconciliation, lateCheckout, requestsSweep],
  tools: [...Object.values(dischargeTools), ...Object.values(reconciliationTools), ...Object.values(guestTools)],
  // `default` writes the discharge summary offline; VIGIL_LLM_URL (and VIGIL_LLM_MODEL) put a real
  // OpenAI-compatible server in its place, with no change here.
  llm: { models: { default: dischargeModel() } },
  pricing: DISCHARGE_PRICING,
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
