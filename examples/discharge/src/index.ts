export { discharge, DischargeInput, dischargeWorkflow, tools, type DischargeOptions } from './discharge.js';
export { DISCHARGE_ACCESS_POLICY } from './access-policy.js';
export { DISCHARGE_COSTS, DISCHARGE_POLICIES, dischargeTools, PENDING_FOLLOW_UP, PENDING_ORDER } from './tools.js';
export type { DischargeStep, DischargeTools, ToolPolicy } from './tools.js';
export { createHospitalSystems } from './systems.js';
export type { HospitalSystems, HospitalSystemsOptions, SystemName } from './systems.js';
export { readFaultSettings } from './fault-settings.js';
export type { FaultEnvironment, FaultSettings } from './fault-settings.js';
export { proseSummary, SummaryFacts, templateSummary, type DischargeSummary } from './summary.js';
export { SUMMARY_POLICY, SUMMARY_SYSTEM, summaryPrompt } from './summary-prompt.js';
export {
  DISCHARGE_MODEL_ID,
  DISCHARGE_PRICING,
  dischargeModel,
  dischargeSummaryScript,
  type DischargeModelOptions,
} from './discharge-model.js';
