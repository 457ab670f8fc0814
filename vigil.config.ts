// What `npm start` (vigil dev) loads: the example workflows and their tools (for `vigil tools list`).
import { discharge, tools as dischargeTools } from '@vigil-examples/discharge';
import { reconciliation, tools as reconciliationTools } from '@vigil-examples/reconciliation';
import { defineConfig } from 'vigil';

export default defineConfig({
  workflows: [discharge, reconciliation],
  tools: [...Object.values(dischargeTools), ...Object.values(reconciliationTools)],
});
