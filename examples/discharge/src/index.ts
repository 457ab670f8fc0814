export { discharge, DischargeInput, dischargeWorkflow, tools } from './discharge.js';
export { DISCHARGE_ACCESS_POLICY } from './access-policy.js';
export { DISCHARGE_COSTS, DISCHARGE_POLICIES, dischargeTools, PENDING_FOLLOW_UP, PENDING_ORDER } from './tools.js';
export type { DischargeStep, DischargeTools, ToolPolicy } from './tools.js';
export { createHospitalSystems } from './systems.js';
export type { HospitalSystems, HospitalSystemsOptions, SystemName } from './systems.js';
export { readFaultSettings } from './fault-settings.js';
export type { FaultEnvironment, FaultSettings } from './fault-settings.js';
export { templateSummary } from './summary.js';
