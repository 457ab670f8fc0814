export {
  paymentSystems,
  reconciliation,
  ReconciliationInput,
  reconciliationWorkflow,
  tools,
} from './reconciliation.js';
export { RECONCILIATION_POLICIES, reconciliationTools } from './tools.js';
export type { ReconciliationStep, ReconciliationTools, ToolPolicy } from './tools.js';
export { createPaymentSystems, paymentsOf } from './systems.js';
export type { PaymentSystems, PaymentSystemsOptions } from './systems.js';
export { comparePayments, describeMismatch } from './compare.js';
export { readFaultSettings } from './fault-settings.js';
export type { FaultEnvironment, FaultSettings } from './fault-settings.js';
export * from './records.js';
export {
  investigation,
  INVESTIGATION_POLICY,
  investigationToolset,
  investigationWorkflow,
  type InvestigationResult,
} from './investigation.js';
export { INVESTIGATION_POLICIES, investigationTools, type InvestigationTools } from './investigation-tools.js';
export { INVESTIGATION_SYSTEM, investigationGoal, mismatchOfGoal } from './investigation-goal.js';
export {
  INVESTIGATION_MODEL_ID,
  INVESTIGATION_PRICING,
  investigationModel,
  investigationScript,
  type InvestigationModelOptions,
} from './investigation-model.js';
export * from './investigation-records.js';
