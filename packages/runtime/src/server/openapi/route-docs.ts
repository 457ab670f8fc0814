import type { z } from 'zod';

import { AuditQuery } from '../schemas/audit.js';
import { MemoryQuery } from '../schemas/agents.js';
import { ListDeadLettersQuery, ReplayBody } from '../schemas/dead-letters.js';
import { ListEscalationsQuery, ResolveBody } from '../schemas/escalations.js';
import { ListEventsQuery, SendEventBody } from '../schemas/events.js';
import { CreateKeyBody } from '../schemas/keys.js';
import {
  AuditVerifyAnswer,
  DeadLetter,
  DeadLetterList,
  Escalation,
  EscalationList,
  Overview,
  ReplayRunAnswer,
  RunDetails,
  RunList,
  RunSummary,
  StartRunAnswer,
  StepDetails,
  WhoAmIAnswer,
} from '../schemas/responses.js';
import { RunLogsQuery } from '../schemas/run-logs.js';
import { ListRunsQuery, OverviewQuery, ReplayRunBody, StartRunBody } from '../schemas/runs.js';
import { CreateScheduleBody, ListSchedulesQuery } from '../schemas/schedules.js';
import { SetLimitBody, SpendQuery } from '../schemas/spend.js';

/** One route as `/openapi.json` describes it; `route` is `METHOD /path/:param` as Hono reports it. */
export interface RouteDoc {
  route: string;
  tag: string;
  summary: string;
  /** The schema the route checks its query string with. */
  query?: z.ZodType;
  /** The schema the route checks its JSON body with. */
  body?: z.ZodType;
  /** The success answer: its status (default 200) and shape (default: any JSON object). */
  status?: number;
  response?: z.ZodType;
  /** Answers with server-sent events instead of JSON. */
  eventStream?: string;
  /** Answers with plain text (the Prometheus exposition format) instead of JSON. */
  text?: string;
  /** The request headers the route reads, beside `Authorization`. */
  headers?: readonly HeaderDoc[];
  /** The headers its success answer may carry, by name, with what they say. */
  responseHeaders?: Readonly<Record<string, string>>;
}

/** A request header a route honours. */
export interface HeaderDoc {
  name: string;
  description: string;
  required?: boolean;
}

const IDEMPOTENCY_KEY: HeaderDoc = {
  name: 'Idempotency-Key',
  description:
    'The same key with the same workflow and input returns the run it started (202, Idempotent-Replayed: true) ' +
    'for the retention window (idempotencyRetention, default 24 h); with another input it is a 409 ' +
    'idempotency_conflict. At most 256 bytes',
};

/** Set on an answer that returns what an earlier request with the same key or id created. */
const REPLAYED = {
  'Idempotent-Replayed':
    '`true` when the request matched an earlier one (same idempotency key or id): nothing new was created',
};

/** The Standard Webhooks headers a delivery is checked with. */
const WEBHOOK_HEADERS: readonly HeaderDoc[] = [
  { name: 'webhook-id', description: 'The delivery id: deliveries are deduplicated on it', required: true },
  { name: 'webhook-timestamp', description: 'Unix seconds; a stale timestamp is refused', required: true },
  { name: 'webhook-signature', description: 'v1,<base64 HMAC-SHA256 of id.timestamp.body>', required: true },
];

/** Every route of the app. The OpenAPI test fails for a route of the app missing here, and the reverse. */
export const ROUTE_DOCS: readonly RouteDoc[] = [
  { route: 'GET /healthz', tag: 'health', summary: 'Liveness: answers while the process runs (no key)' },
  { route: 'GET /readyz', tag: 'health', summary: 'Readiness: the database answers (503 store_unavailable if not)' },
  { route: 'GET /', tag: 'health', summary: 'The service and where its resources are' },
  { route: 'GET /openapi.json', tag: 'health', summary: 'This document (no key)' },
  {
    route: 'GET /metrics',
    tag: 'observability',
    summary: 'Prometheus metrics (needs read, unless made public)',
    text: 'Prometheus text exposition format 0.0.4',
  },
  {
    route: 'GET /v1/runs/:id/logs',
    tag: 'observability',
    summary: "The lines a run's code logged, all or one step's, paged",
    query: RunLogsQuery,
  },
  { route: 'GET /v1/alerts', tag: 'observability', summary: 'Every alert rule that ever fired, with its state' },
  {
    route: 'POST /v1/runs',
    tag: 'runs',
    summary: 'Start a run (header Idempotency-Key: same key and input, same run)',
    body: StartRunBody,
    status: 202,
    response: StartRunAnswer,
    headers: [IDEMPOTENCY_KEY],
    responseHeaders: REPLAYED,
  },
  {
    route: 'GET /v1/runs',
    tag: 'runs',
    summary: 'Runs, newest first, filtered by status, workflow, creation time and search',
    query: ListRunsQuery,
    response: RunList,
  },
  {
    route: 'GET /v1/runs/:id',
    tag: 'runs',
    summary: 'A run with its steps, progress, cost and escalations',
    response: RunDetails,
  },
  {
    route: 'GET /v1/runs/:id/steps/:seq',
    tag: 'runs',
    summary: 'One step with its input and checkpointed result (404 step_not_found)',
    response: StepDetails,
  },
  {
    route: 'GET /v1/runs/:id/stream',
    tag: 'runs',
    summary: 'A run as server-sent events: a snapshot, then its events until it finishes',
    eventStream: 'snapshot, step.started, step.completed, step.failed, step.retrying, run.* and llm.token events',
  },
  {
    route: 'POST /v1/runs/:id/cancel',
    tag: 'runs',
    summary: 'Cancel a run that has not finished',
    response: RunSummary,
  },
  {
    route: 'POST /v1/runs/:id/replay',
    tag: 'runs',
    summary: 'Start a new run with the same input, from the top or from a step (earlier steps keep their results)',
    body: ReplayRunBody,
    status: 202,
    response: ReplayRunAnswer,
  },
  {
    route: 'GET /v1/overview',
    tag: 'runs',
    summary: 'The deployment over a window: runs by status and time, rates, durations, spend, escalations, workers',
    query: OverviewQuery,
    response: Overview,
  },
  {
    route: 'GET /v1/stream',
    tag: 'runs',
    summary: 'Run and escalation changes in the whole deployment as server-sent events',
    eventStream:
      '`run` {id, workflow, status, updatedAt} and `escalation` {id, runId, status} events; heartbeat comments',
  },
  { route: 'GET /v1/workflows', tag: 'workflows', summary: 'Registered workflows with their input JSON Schemas' },
  { route: 'GET /v1/tools', tag: 'workflows', summary: 'Registered tools with their schemas and failure policies' },
  {
    route: 'GET /v1/escalations',
    tag: 'escalations',
    summary: 'Escalations, newest first (open by default)',
    query: ListEscalationsQuery,
    response: EscalationList,
  },
  {
    route: 'GET /v1/escalations/:id',
    tag: 'escalations',
    summary: 'An escalation with its context',
    response: Escalation,
  },
  {
    route: 'POST /v1/escalations/:id/resolve',
    tag: 'escalations',
    summary: 'Decide an open escalation',
    body: ResolveBody,
    response: Escalation,
  },
  {
    route: 'POST /v1/events',
    tag: 'events',
    // Deduplicated on the body's `id`, the sender's own: the Idempotency-Key header is not read here.
    summary: "Send an event (deduplicated by its id: the body's id, not an Idempotency-Key header)",
    body: SendEventBody,
    status: 202,
    responseHeaders: REPLAYED,
  },
  { route: 'GET /v1/events', tag: 'events', summary: 'Events received, newest first', query: ListEventsQuery },
  { route: 'GET /v1/events/:id', tag: 'events', summary: 'An event with the runs it started or woke' },
  { route: 'GET /v1/schedules', tag: 'schedules', summary: 'Cron schedules', query: ListSchedulesQuery },
  { route: 'POST /v1/schedules', tag: 'schedules', summary: 'Add a schedule', body: CreateScheduleBody, status: 201 },
  { route: 'GET /v1/schedules/:id', tag: 'schedules', summary: 'A schedule with its next fire time' },
  { route: 'POST /v1/schedules/:id/pause', tag: 'schedules', summary: 'Pause a schedule' },
  { route: 'POST /v1/schedules/:id/resume', tag: 'schedules', summary: 'Resume a schedule' },
  {
    route: 'POST /v1/schedules/:id/trigger',
    tag: 'schedules',
    summary: 'Start its workflow now',
    status: 202,
    responseHeaders: REPLAYED,
  },
  { route: 'DELETE /v1/schedules/:id', tag: 'schedules', summary: 'Remove a schedule' },
  {
    route: 'POST /v1/webhooks/:source',
    tag: 'events',
    summary: 'A webhook delivery, signed per Standard Webhooks (no key: the signature authenticates it)',
    status: 202,
    headers: WEBHOOK_HEADERS,
    responseHeaders: REPLAYED,
  },
  {
    route: 'GET /v1/dead-letters',
    tag: 'dead letters',
    summary: 'Runs that failed permanently',
    query: ListDeadLettersQuery,
    response: DeadLetterList,
  },
  { route: 'GET /v1/dead-letters/:id', tag: 'dead letters', summary: 'A dead letter', response: DeadLetter },
  {
    route: 'POST /v1/dead-letters/:id/replay',
    tag: 'dead letters',
    summary: 'Replay a dead letter: from its last good checkpoint, from a step, or with new input',
    body: ReplayBody,
    status: 202,
  },
  { route: 'GET /v1/breakers', tag: 'breakers', summary: 'Circuit breakers shared by all workers' },
  { route: 'POST /v1/breakers/:key/reset', tag: 'breakers', summary: 'Close a breaker by hand' },
  { route: 'GET /v1/audit', tag: 'audit', summary: 'The audit trail, oldest first', query: AuditQuery },
  {
    route: 'GET /v1/audit/verify',
    tag: 'audit',
    summary: 'Verify the whole hash chain (and the signed head, if this server writes one)',
    response: AuditVerifyAnswer,
  },
  { route: 'GET /v1/agents/:name/memory', tag: 'agents', summary: 'What an agent remembers', query: MemoryQuery },
  { route: 'GET /v1/spend', tag: 'spend', summary: 'Settled spend, grouped', query: SpendQuery },
  { route: 'GET /v1/budgets', tag: 'spend', summary: 'Declared budgets and the limits in force' },
  { route: 'PUT /v1/budgets', tag: 'spend', summary: "Set or remove a scope key's limit", body: SetLimitBody },
  {
    route: 'GET /v1/whoami',
    tag: 'keys',
    summary: "The calling key: id, name, role and the role's permissions",
    response: WhoAmIAnswer,
  },
  { route: 'GET /v1/keys', tag: 'keys', summary: 'API keys (admin)' },
  {
    route: 'POST /v1/keys',
    tag: 'keys',
    summary: 'Create a key; the secret is shown once (admin)',
    body: CreateKeyBody,
    status: 201,
  },
  { route: 'DELETE /v1/keys/:id', tag: 'keys', summary: 'Revoke a key (admin)' },
];
