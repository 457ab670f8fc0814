/**
 * The shapes of the main resources as the API answers them, for `/openapi.json`. The OpenAPI test
 * parses real answers with them, so a field renamed in a view and not here fails there. Objects
 * are open: a field added to a view is not a break.
 */
import { z } from 'zod';

import { RUN_STATUSES } from '../../core/run-status.js';

const iso = z.string().describe('ISO 8601 time');
const isoOrNull = iso.nullable();

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().describe('Stable, machine-readable: run_not_found, invalid_request, permission_denied…'),
    message: z.string(),
    path: z.string().nullable().describe('The offending field, e.g. input.patientId, when there is one'),
  }),
});

const ErrorRecord = z.looseObject({ name: z.string(), message: z.string(), code: z.string().optional() });

export const RunSummary = z.looseObject({
  id: z.string(),
  workflow: z.string(),
  version: z.number().int(),
  status: z.enum(RUN_STATUSES),
  idempotencyKey: z.string().nullable(),
  principal: z.string().nullable(),
  attempt: z.number().int(),
  createdAt: iso,
  updatedAt: iso,
  finishedAt: isoOrNull,
  wakeAt: isoOrNull,
  priority: z.number(),
  concurrencyKey: z.string().nullable(),
  waitingFor: z.string().nullable(),
});

export const RunList = z.object({ runs: z.array(RunSummary), nextCursor: z.string().nullable() });

export const StepView = z.looseObject({
  seq: z.number().int(),
  name: z.string(),
  kind: z.string(),
  status: z.string(),
  attempts: z.number().int(),
  startedAt: iso,
  endedAt: isoOrNull,
  wakeAt: isoOrNull,
  error: ErrorRecord.nullable(),
  intact: z.boolean(),
  failedAttempts: z.array(z.looseObject({ attempt: z.number().int(), outcome: z.string() })),
  costUsd: z.number().nullable(),
});

export const StepDetails = StepView.extend({
  input: z
    .unknown()
    .describe(
      "What the step was called with, redacted: a tool call's checked arguments; an LLM call's { model, messages, system, tools, structured }; null for other kinds",
    ),
  output: z.unknown().describe('The result as checkpointed; null before it has one or when its checksum failed'),
});

export const Escalation = z.looseObject({
  id: z.string(),
  runId: z.string(),
  workflow: z.string(),
  seq: z.number().int(),
  step: z.string(),
  kind: z.string(),
  reason: z.string(),
  assignee: z.string().nullable(),
  blocking: z.boolean(),
  status: z.enum(['open', 'resolved', 'timed_out', 'cancelled']),
  createdAt: iso,
  timeoutAt: isoOrNull,
  decision: z.string().nullable(),
  resolvedAt: isoOrNull,
});

export const RunDetails = RunSummary.extend({
  input: z.unknown(),
  output: z.unknown(),
  error: ErrorRecord.nullable(),
  summary: z.string().nullable(),
  replayOf: z.string().nullable(),
  escalated: z.boolean(),
  steps: z.array(StepView),
  costUsd: z.number(),
  escalations: z.array(Escalation),
  progress: z.looseObject({}).describe('Steps done of the declared ones, the line shown to people'),
});

export const StartRunAnswer = z.object({ id: z.string(), status: z.enum(RUN_STATUSES) });

export const ReplayRunAnswer = z.object({
  id: z.string().describe('The new run'),
  replayOf: z.string(),
  fromSeq: z.number().int().nullable(),
});

export const EscalationList = z.object({ escalations: z.array(Escalation), nextCursor: z.string().nullable() });

export const DeadLetter = z.looseObject({
  id: z.string(),
  runId: z.string(),
  workflow: z.string(),
  version: z.number().int(),
  reason: z.string(),
  error: ErrorRecord,
  failedStep: z.object({ seq: z.number().int(), name: z.string() }).nullable(),
  createdAt: iso,
  replayedAt: isoOrNull,
  replayRunId: z.string().nullable(),
});

export const DeadLetterList = z.object({ deadLetters: z.array(DeadLetter), nextCursor: z.string().nullable() });

export const Overview = z.object({
  window: z.string(),
  from: iso,
  to: iso,
  runs: z.object({
    byStatus: z.record(z.string(), z.number().int()).describe('Runs created in the window, by status now'),
    series: z.array(
      z.object({
        at: iso.describe('Bucket start'),
        started: z.number().int(),
        completed: z.number().int(),
        failed: z.number().int(),
        escalated: z.number().int(),
      }),
    ),
  }),
  successRate: z.number().nullable(),
  escalationRate: z.number().nullable(),
  durationSeconds: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
  spendTodayUsd: z.number(),
  openEscalations: z.number().int(),
  deadLetters: z.number().int(),
  breakers: z.object({ closed: z.number().int(), halfOpen: z.number().int(), open: z.number().int() }),
  workers: z.array(z.object({ id: z.string(), runs: z.number().int(), lastSeenAt: iso })),
});

/** What each event of `GET /v1/stream` carries as `data`. */
export const StreamEvents = z.object({
  run: z.object({ id: z.string(), workflow: z.string(), status: z.enum(RUN_STATUSES), updatedAt: iso }),
  escalation: z.object({
    id: z.string(),
    runId: z.string(),
    status: z.enum(['open', 'resolved', 'timed_out', 'cancelled']),
  }),
});

export const WhoAmIAnswer = z.object({
  key: z.object({
    id: z.string(),
    name: z.string(),
    role: z.enum(['admin', 'operator', 'trigger', 'viewer']),
    principal: z.string().describe('What this key is recorded as: key:<id>'),
  }),
  permissions: z.array(z.enum(['read', 'trigger', 'operate', 'admin'])),
});

export const AuditVerifyAnswer = z.looseObject({
  ok: z.boolean(),
  entries: z.number().int().describe('Entries checked'),
  firstBadSeq: z.number().int().optional().describe('The first entry that breaks the chain (when not ok)'),
  damage: z.string().optional().describe('edited, inserted, deleted, truncated or bad_head (when not ok)'),
  reason: z.string().optional(),
  lastSeq: z.number().int().nullable().optional(),
  headChecked: z.boolean().describe("Whether the server's signed head was checked too (truncation)"),
});
