// What `vigil` commands run in this directory read: the investigation's offline model as
// `default`, priced. The investigation's chaos profile workers (`vigil chaos` here, or `runChaos`
// with this directory as `cwd`) get the model this way; the workflow comes from
// `--load src/investigation-chaos.ts`. The hourly reconciliation's profile needs no model.
import { defineConfig } from 'vigil';

import { INVESTIGATION_PRICING, investigationModel } from './src/investigation-model.js';

export default defineConfig({
  llm: { models: { default: investigationModel() } },
  pricing: INVESTIGATION_PRICING,
});
