/**
 * Test helpers for Vigil users and for Vigil's own tests: `import { FakeClock } from 'vigil/testing'`.
 */
export { FakeClock, settle } from './fake-clock.js';
export { ArmedFailpoints, FAILPOINT_PAUSED_MARKER, failpointsFromSpec } from '../runtime/failpoints.js';
export type { FailpointAction } from '../runtime/failpoints.js';
export { FAILPOINT_NAMES, type FailpointName, type FailpointSite } from '../core/failpoints.js';
export { faults, faultRoll } from './faults.js';
export { serveApi, type ServeApiOptions, type ServedApi } from './serve-api.js';
export type { RunningServer } from '../server/serve.js';
export {
  ScriptedModel,
  scriptedModel,
  type Script,
  type ScriptedModelOptions,
  type ScriptedReply,
  type ScriptedRequest,
} from '../llm/scripted-model.js';
export {
  corruptCheckpoint,
  CORRUPTIBLE_FIELDS,
  type CorruptCheckpointOptions,
  type CorruptedCheckpoint,
  type CorruptibleField,
} from './corrupt-checkpoint.js';
export { runChaos } from './chaos/run-chaos.js';
export { recordChaosEffect, type ChaosEffect } from './chaos/chaos-effect.js';
export { CHAOS_SCENARIOS, type ChaosOptions, type ChaosScenario } from './chaos/options.js';
export type { ChaosReport, ScenarioReport } from './chaos/chaos-report.js';
export type { RunOutcome } from './chaos/run-outcome.js';
export type { ChaosFinding } from './chaos/report-findings.js';
export { reportTable } from './chaos/report-table.js';
export { corruptionDecisions, ledgerRecords, type CorruptionDecision } from './chaos/report-reading.js';
export type { LedgerRecord } from './chaos/ledger.js';
export { CHAOS_LEDGER_ENV } from './chaos/scenario-run.js';
export {
  TOOL_FAULTS_ENV,
  toolFaultsFromSpec,
  type ToolFaultSpec,
  type ToolFaults,
  type ToolInvocation,
} from '../runtime/tool-faults.js';
