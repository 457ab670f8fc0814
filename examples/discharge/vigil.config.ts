// What `vigil` commands run in this directory read: the discharge's offline summary model as
// `default`, priced. The chaos profile's workers (`vigil chaos` here, or `runChaos` with this
// directory as `cwd`) get the model this way; the workflow comes from `--load src/chaos.ts`.
import { defineConfig } from 'vigil';

import { DISCHARGE_PRICING, dischargeModel } from './src/discharge-model.js';

export default defineConfig({
  llm: { models: { default: dischargeModel() } },
  pricing: DISCHARGE_PRICING,
});
