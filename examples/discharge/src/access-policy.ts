import type { ToolAccessPolicyOptions } from 'vigil';

/**
 * What a discharge may do, outside the model and the code: call its five tools and nothing else,
 * and read the record of its own patient only (`ehr.read`'s `patientId` must be the run's
 * `input.patientId`). A read of anyone else's record never reaches the EHR: it is denied, the
 * denial is recorded (`policy.decided`, and the audit trail), and the step's failure policy
 * takes over.
 */
export const DISCHARGE_ACCESS_POLICY = {
  tools: ['ehr.read', 'insurance.check', 'pharmacy.order', 'appointments.book', 'notify.send'],
  constraints: { 'ehr.read': { patientId: '$input.patientId' } },
} as const satisfies ToolAccessPolicyOptions;
