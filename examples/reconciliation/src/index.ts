export { reconciliation, ReconciliationInput, reconciliationWorkflow, tools } from './reconciliation.js';
export { RECONCILIATION_POLICIES, reconciliationTools } from './tools.js';
export type { ReconciliationStep, ReconciliationTools, ToolPolicy } from './tools.js';
export { createPaymentSystems, paymentsOf } from './systems.js';
export type { PaymentSystems, PaymentSystemsOptions } from './systems.js';
export { comparePayments, describeMismatch } from './compare.js';
export { readFaultSettings } from './fault-settings.js';
export type { FaultEnvironment, FaultSettings } from './fault-settings.js';
export * from './records.js';
