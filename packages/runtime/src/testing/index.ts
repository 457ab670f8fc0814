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
