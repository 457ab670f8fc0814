import type { ErrorRecord } from '../core/errors.js';
import type { RunStatus } from '../core/run-status.js';
import type { StepKind, StepStatus } from '../core/step-identity.js';
import type { AttemptRecord, StepRecord } from '../store/checkpoint-store.js';
import type { EscalationRecord } from '../store/escalation-store.js';
import type { FlowLimitKind, RunRecord } from '../store/run-store.js';
import { toAttemptView, toEscalationView, type AttemptView, type EscalationView } from './operator-views.js';
import { computeProgress, type EtaInput, type Progress, type ProgressWorkflow } from './progress.js';
import { parseDetail } from './step-detail.js';

/** A run as the client API, HTTP API and CLI present it. Times are ISO 8601. */
export interface RunSummary {
  id: string;
  workflow: string;
  version: number;
  status: RunStatus;
  idempotencyKey: string | null;
  /** Who started it: `key:<id>`, `schedule:<id>`, `event:<id>`, `code`…; null for runs older than principals. */
  principal: string | null;
  attempt: number;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /**
   * When a sleeping or queued run becomes claimable. Null while a limit holds it: it starts
   * when a slot or the rate window frees, which no time can say.
   */
  wakeAt: string | null;
  /** Seconds (0–600) it went ahead of runs queued at the same time. */
  priority: number;
  /** The key its workflow's keyed concurrency limit counts it under, if any. */
  concurrencyKey: string | null;
  /** The limit a queued run waits on before its first start, if one is full. */
  waitingFor: FlowLimitKind | null;
}

export interface RunDetails extends RunSummary {
  input: unknown;
  output: unknown;
  error: ErrorRecord | null;
  /** For `completed_partial`: what is missing. */
  summary: string | null;
  /** The run this one replays (`POST /v1/runs/:id/replay`, or a dead letter replayed with edited input). */
  replayOf: string | null;
  /** True while an escalation of this run waits for a human. */
  escalated: boolean;
  steps: StepView[];
  /** What the run's calls cost so far, USD (settled in the spend ledger). */
  costUsd: number;
  /** Every escalation this run raised, open or not. */
  escalations: EscalationView[];
  progress: Progress;
}

export interface StepView {
  seq: number;
  name: string;
  kind: StepKind;
  status: StepStatus;
  attempts: number;
  startedAt: string;
  endedAt: string | null;
  /** For sleeps: when the timer fires. */
  wakeAt: string | null;
  error: ErrorRecord | null;
  /** False when the stored checkpoint failed its checksum. */
  intact: boolean;
  /** Attempts that did not succeed: their errors, and the wait before the next attempt. */
  failedAttempts: AttemptView[];
  /** What the step's attempts cost, USD; null when none went through the spend ledger. */
  costUsd: number | null;
  /** Tool calls: what the tool access policy decided (`allowed`, `denied`, `approval_requested`…). */
  policy?: { decision: string; rule: string | null; reason: string | null };
  /** LLM calls: the model that answered, its tokens, cost (USD) and latency (ms). */
  llm?: {
    model: string;
    tokens: { input: number; output: number; cached: number; reasoning: number };
    costUsd: number;
    latencyMs: number;
  };
}

/** One step with its checkpointed result: what `GET /v1/runs/:id/steps/:seq` answers. */
export interface StepDetails extends StepView {
  /**
   * What the step was called with, redacted by the audit trail's rules: a tool call's checked
   * arguments; for an LLM call `{ model, messages, system, tools, structured }` (a summary: the
   * conversation is rebuilt from checkpoints). Null for other kinds, and for steps recorded
   * before inputs were.
   */
  input: unknown;
  /** The step's result as checkpointed (a fallback's or a provided value included); null before it has one or when the checkpoint failed its checksum. */
  output: unknown;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function toRunSummary(run: RunRecord): RunSummary {
  return {
    id: run.id,
    workflow: run.workflow,
    version: run.version,
    status: run.status,
    idempotencyKey: run.idempotencyKey,
    principal: run.principal,
    attempt: run.attempt,
    createdAt: iso(run.createdAt),
    updatedAt: iso(run.updatedAt),
    finishedAt: isoOrNull(run.finishedAt),
    wakeAt: wakeAt(run),
    priority: run.priority,
    concurrencyKey: run.concurrencyKey,
    waitingFor: run.heldBy,
  };
}

/**
 * A new run's `readyAt` is its creation time minus its priority, a place in the queue rather
 * than a time: it is claimable from its creation on.
 */
function wakeAt(run: RunRecord): string | null {
  if (run.readyAt === null || run.heldBy !== null) return null;
  return iso(Math.max(run.readyAt, run.createdAt));
}

export function toRunDetails(
  run: RunRecord,
  steps: readonly StepRecord[],
  attempts: ReadonlyArray<AttemptRecord & { seq: number }>,
  escalations: readonly EscalationRecord[],
  workflow: ProgressWorkflow,
  costs: ReadonlyArray<{ seq: number; usd: number }> = [],
  eta?: EtaInput,
): RunDetails {
  const open = escalations.filter((e) => e.status === 'open');
  const costUsd = Math.round(costs.reduce((sum, c) => sum + c.usd, 0) * 1e9) / 1e9;
  return {
    ...toRunSummary(run),
    input: parseStored(run.input),
    output: run.output === null ? null : parseStored(run.output),
    error: run.error,
    summary: run.summary,
    replayOf: run.replayOf,
    escalated: open.length > 0,
    steps: steps.map((step) => toStepView(step, attempts, costs)),
    costUsd,
    escalations: escalations.map(toEscalationView),
    progress: computeProgress(workflow, run.status, steps, open, eta),
  };
}

export function toStepView(
  step: StepRecord,
  attempts: ReadonlyArray<AttemptRecord & { seq: number }>,
  costs: ReadonlyArray<{ seq: number; usd: number }>,
): StepView {
  return {
    seq: step.seq,
    name: step.name,
    kind: step.kind,
    status: step.status,
    attempts: step.attempts,
    startedAt: iso(step.startedAt),
    endedAt: isoOrNull(step.endedAt),
    wakeAt: isoOrNull(step.wakeAt),
    error: step.intact ? step.error : null,
    intact: step.intact,
    failedAttempts: attempts.filter((a) => a.seq === step.seq).map(toAttemptView),
    costUsd: costs.find((c) => c.seq === step.seq)?.usd ?? null,
    ...policyOf(step),
    ...llmOf(step),
  };
}

function policyOf(step: StepRecord): Pick<StepView, 'policy'> {
  if (step.kind !== 'tool' || !step.intact) return {};
  const policy = parseDetail(step.detail).policy;
  return policy ? { policy: { decision: policy.decision, rule: policy.rule, reason: policy.reason ?? null } } : {};
}

function llmOf(step: StepRecord): Pick<StepView, 'llm'> {
  if (step.kind !== 'llm' || !step.intact) return {};
  const llm = parseDetail(step.detail).llm;
  return llm ? { llm } : {};
}

function parseStored(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
