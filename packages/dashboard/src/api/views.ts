/**
 * The shapes of the HTTP API's answers the dashboard reads, as `docs/reference/http-api.md`
 * documents them. Only the fields the screens use are named.
 */
export type RunStatus =
  | 'queued'
  | 'running'
  | 'sleeping'
  | 'waiting'
  | 'retrying'
  | 'completed'
  | 'completed_partial'
  | 'failed'
  | 'cancelled'
  | 'dead_lettered';

export const RUN_STATUSES: readonly RunStatus[] = [
  'queued',
  'running',
  'sleeping',
  'waiting',
  'retrying',
  'completed',
  'completed_partial',
  'failed',
  'cancelled',
  'dead_lettered',
];

export const TERMINAL: ReadonlySet<string> = new Set([
  'completed',
  'completed_partial',
  'failed',
  'cancelled',
  'dead_lettered',
]);

export interface ErrorRecord {
  name?: string;
  message: string;
  code?: string;
}

export interface RunSummary {
  id: string;
  workflow: string;
  version: number;
  status: RunStatus;
  principal: string | null;
  attempt: number;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  wakeAt: string | null;
  waitingFor: string | null;
}

export interface AttemptView {
  attempt: number;
  outcome: string;
  error: ErrorRecord | null;
  startedAt: string;
  endedAt: string;
  delayMs: number | null;
}

export interface StepView {
  seq: number;
  name: string;
  kind: string;
  status: string;
  attempts: number;
  startedAt: string;
  endedAt: string | null;
  wakeAt: string | null;
  error: ErrorRecord | null;
  intact: boolean;
  failedAttempts: AttemptView[];
  costUsd: number | null;
  /**
   * Only in `GET /v1/runs/:id/steps/:seq`: what the step was called with (a tool's arguments,
   * an LLM request's summary), redacted; and its result.
   */
  input?: unknown;
  output?: unknown;
  policy?: { decision: string; rule: string | null; reason: string | null };
  llm?: {
    model: string;
    tokens: { input: number; output: number; cached: number; reasoning: number };
    costUsd: number;
    latencyMs: number;
  };
}

export interface Progress {
  completed: number;
  total: number | null;
  current: string[];
  summary: string;
  /** Milliseconds left, where the server estimates it. */
  /** Seconds until the run should finish, from its steps' history; null without one. */
  etaSeconds?: number | null;
}

export interface RunDetails extends RunSummary {
  input: unknown;
  output: unknown;
  error: ErrorRecord | null;
  summary: string | null;
  replayOf: string | null;
  escalated: boolean;
  steps: StepView[];
  costUsd: number;
  escalations: EscalationView[];
  progress: Progress;
}

export interface EscalationView {
  id: string;
  runId: string;
  workflow: string;
  seq: number;
  step: string;
  /** `manual`, `exhausted`, `outcome_unknown`, `checkpoint_corrupted` or `approval`. */
  kind: string;
  reason: string;
  summary: string | null;
  assignee: string | null;
  blocking: boolean;
  status: string;
  context: EscalationContext;
  createdAt: string;
  timeoutAt: string | null;
  onTimeout: string | null;
  decision: string | null;
  resolvedBy: string | null;
  note: string | null;
  resolvedAt: string | null;
}

export interface EscalationContext {
  completedSteps?: Array<{ seq: number; name: string; status: string }>;
  failingStep?: { seq: number; name: string; attempts: number } | null;
  attempts?: Array<{ attempt: number; outcome: string; error: string | null; delayMs: number | null }>;
  lastError?: ErrorRecord | string | null;
  tool?: string;
  args?: unknown;
  workflowContext?: unknown;
}

export interface DeadLetterView {
  id: string;
  runId: string;
  workflow: string;
  version: number;
  reason: string;
  error: ErrorRecord | null;
  failedStep: { seq: number; name: string } | null;
  context: EscalationContext;
  createdAt: string;
  replayedAt: string | null;
  replayRunId: string | null;
}

export interface ScheduleView {
  id: string;
  workflow: string;
  cron: string;
  timezone: string;
  paused: boolean;
  origin: 'workflow' | 'api';
  nextFireAt: string | null;
  lastSlotAt: string | null;
  lastRunId: string | null;
}

export interface ToolView {
  name: string;
  version: string;
  description: string;
  policy: {
    timeoutMs: number;
    retry: { attempts: number; initialDelayMs: number; factor: number; maxDelayMs: number };
    circuitBreaker: { failureThreshold: number; cooldownMs: number; whenOpen: string; key: string | null } | null;
    onExhausted: string;
    effects: string;
    escalateTo: string | null;
  };
}

export interface BreakerView {
  key: string;
  tool: string;
  status: 'closed' | 'open' | 'half_open';
  consecutiveFailures: number;
  openUntil: string | null;
  lastError: string | ErrorRecord | null;
  updatedAt: string;
}

export interface SpendAnswer {
  by: string;
  groups: Array<{ group: string; usd: number; calls: number; tokens: { input: number; output: number } }>;
  total: { usd: number; calls: number };
}

export interface AuditEntry {
  seq: number;
  at: number;
  type: string;
  runId: string | null;
  principal: string | null;
  data: unknown;
  hash: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
