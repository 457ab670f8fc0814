import type { ReplayResult } from '../runtime/dead-letter-client.js';
import type { BreakerView, DeadLetterView, EscalationView } from '../runtime/operator-views.js';
import type { ToolView } from '../runtime/tool-registry.js';
import { formatTable } from './output.js';

/** A span for people: `850ms`, `12s`, `4m 10s`, `1h`, `3h 5m`, `2d 4h`. */
export function humanDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)}ms`;
  const s = Math.floor(abs / 1000);
  const units: Array<[number, string]> = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor(s / 3600) % 24, 'h'],
    [Math.floor(s / 60) % 60, 'm'],
    [s % 60, 's'],
  ];
  // The largest unit and the next one, leaving out a trailing zero: `1h`, not `1h 0m`.
  const first = units.findIndex(([n]) => n > 0);
  return units
    .slice(first, first + 2)
    .filter(([n], i) => i === 0 || n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}

export function formatToolList(tools: ToolView[]): string {
  if (tools.length === 0) return 'No tools registered (export them from a --load module or list them in the config).';
  return formatTable([
    ['NAME', 'VERSION', 'TIMEOUT', 'ATTEMPTS', 'BREAKER', 'ON EXHAUSTED', 'EFFECTS', 'DESCRIPTION'],
    ...tools.map(({ name, version, description, policy }) => [
      name,
      version,
      policy.timeoutMs === null ? '-' : humanDuration(policy.timeoutMs),
      String(policy.retry.attempts),
      policy.circuitBreaker
        ? `${policy.circuitBreaker.failureThreshold} fails, ${humanDuration(policy.circuitBreaker.cooldownMs)}`
        : '-',
      policy.onExhausted === 'escalate' && policy.escalateTo ? `escalate to ${policy.escalateTo}` : policy.onExhausted,
      policy.effects,
      description ?? '',
    ]),
  ]);
}

export function formatEscalationList(escalations: EscalationView[]): string {
  if (escalations.length === 0) return 'No escalations.';
  return formatTable([
    ['ID', 'STATUS', 'ASSIGNEE', 'WORKFLOW', 'STEP', 'CREATED', 'REASON'],
    ...escalations.map((e) => [e.id, e.status, e.assignee ?? '-', e.workflow, e.step, e.createdAt, e.reason]),
  ]);
}

/** An escalation for the human who decides it: what is asked, by when, and what the run went through. */
export function formatEscalation(e: EscalationView, now: number): string {
  const lines = [
    `Escalation  ${e.id}`,
    `Status      ${e.status}${e.blocking ? ' (the run waits for a decision)' : ' (non-blocking: the run went on)'}`,
    `Reason      ${e.reason}`,
  ];
  if (e.summary) lines.push(`Summary     ${e.summary}`);
  lines.push(
    `Assignee    ${e.assignee ?? '-'}`,
    `Run         ${e.runId} (${e.workflow}, step #${e.seq} "${e.step}")`,
    `Kind        ${e.kind}`,
    `Created     ${e.createdAt}`,
  );
  if (e.status === 'open') lines.push(`Timeout     ${timeLeft(e.timeoutAt, e.onTimeout, now)}`);
  if (e.decision) {
    const by = e.resolvedBy ? ` by ${e.resolvedBy}` : '';
    lines.push(`Decision    ${e.decision}${by} at ${e.resolvedAt ?? '?'}`);
    if (e.decision === 'provide') lines.push(`Value       ${JSON.stringify(e.value)}`);
    if (e.note) lines.push(`Note        ${e.note}`);
  }
  if (e.kind === 'approval') return [...lines, ...formatApprovalContext(e.context)].join('\n');
  return [...lines, ...formatFailureContext(e.context)].join('\n');
}

/** What an approval asks: the tool, and the exact arguments it would run with. */
function formatApprovalContext(context: unknown): string[] {
  const { tool, args, rule } = (context ?? {}) as { tool?: string; args?: unknown; rule?: string };
  return [
    '',
    'Approval',
    `  Tool       ${tool ?? '?'}`,
    `  Rule       ${rule ?? '?'}`,
    `  Arguments  ${JSON.stringify(args ?? null, null, 2).replace(/\n/g, '\n             ')}`,
    '  Decide with --decision approve | reject | abort',
  ];
}

function timeLeft(timeoutAt: string | null, onTimeout: string | null, now: number): string {
  if (timeoutAt === null) return 'none: it stays open until someone decides';
  const left = Date.parse(timeoutAt) - now;
  const then = onTimeout ? `, then ${onTimeout}` : '';
  return left > 0
    ? `${humanDuration(left)} left (${timeoutAt}${then})`
    : `passed ${humanDuration(left)} ago (${timeoutAt}${then})`;
}

export function formatDeadLetterList(deadLetters: DeadLetterView[]): string {
  if (deadLetters.length === 0) return 'No dead letters.';
  return formatTable([
    ['ID', 'WORKFLOW', 'FAILED STEP', 'CREATED', 'REPLAYED AS', 'REASON'],
    ...deadLetters.map((d) => [
      d.id,
      `${d.workflow}@${d.version}`,
      d.failedStep ? `#${d.failedStep.seq} ${d.failedStep.name}` : '-',
      d.createdAt,
      d.replayRunId ?? '-',
      d.reason,
    ]),
  ]);
}

export function formatDeadLetter(d: DeadLetterView): string {
  const lines = [
    `Dead letter  ${d.id}`,
    `Run          ${d.runId} (${d.workflow}@${d.version})`,
    `Reason       ${d.reason}`,
    `Error        ${d.error.code ? `[${d.error.code}] ` : ''}${d.error.message}`,
    `Failed step  ${d.failedStep ? `#${d.failedStep.seq} "${d.failedStep.name}"` : '-'}`,
    `Created      ${d.createdAt}`,
  ];
  if (d.replayedAt) {
    lines.push(
      `Replayed     ${d.replayedAt}${d.replayedBy ? ` by ${d.replayedBy}` : ''} as run ${d.replayRunId ?? '?'}`,
    );
  }
  return [...lines, ...formatFailureContext(d.context)].join('\n');
}

export function formatReplay(result: ReplayResult): string {
  return result.fromSeq === null
    ? `Replayed dead letter ${result.deadLetter.id} as new run ${result.runId} with the new input`
    : `Replayed dead letter ${result.deadLetter.id}: run ${result.runId} resumes from step #${result.fromSeq}`;
}

export function formatBreakerList(breakers: BreakerView[]): string {
  if (breakers.length === 0) return 'No breakers have recorded a failure.';
  return formatTable([
    ['KEY', 'TOOL', 'STATUS', 'FAILURES', 'OPEN UNTIL', 'LAST ERROR'],
    ...breakers.map((b) => [
      b.key,
      b.tool,
      b.status,
      String(b.consecutiveFailures),
      b.openUntil ?? '-',
      b.lastError ?? '',
    ]),
  ]);
}

/** The context a run left for a human (see `failureContext` in the runtime), read defensively. */
interface FailureContext {
  completedSteps?: Array<{ seq: number; name: string; status: string }>;
  failingStep?: { seq: number; name: string | null; attempts: number } | null;
  attempts?: Array<{ attempt: number; outcome: string; error: string | null; code: string | null }>;
  lastError?: { message?: string; code?: string } | null;
  workflowContext?: unknown;
}

function formatFailureContext(value: unknown): string[] {
  if (value === null) return [];
  if (typeof value !== 'object') return ['', `Context     ${JSON.stringify(value)}`];
  const context = value as FailureContext;
  const lines = ['', 'Context'];
  const completed = context.completedSteps ?? [];
  lines.push(
    `  Completed steps  ${completed.length ? completed.map((s) => (s.status === 'completed' ? s.name : `${s.name} (${s.status})`)).join(', ') : '(none)'}`,
  );
  if (context.failingStep) {
    const { seq, name, attempts } = context.failingStep;
    lines.push(`  Failing step     #${seq} "${name ?? '?'}" after ${attempts} attempt${attempts === 1 ? '' : 's'}`);
  }
  if (context.lastError?.message) {
    lines.push(
      `  Last error       ${context.lastError.code ? `[${context.lastError.code}] ` : ''}${context.lastError.message}`,
    );
  }
  const attempts = context.attempts ?? [];
  if (attempts.length > 0) {
    lines.push(
      '',
      formatTable([
        ['  ATTEMPT', 'OUTCOME', 'ERROR'],
        ...attempts.map((a) => [`  ${a.attempt}`, a.outcome, `${a.code ? `[${a.code}] ` : ''}${a.error ?? ''}`]),
      ]),
    );
  }
  if (context.workflowContext !== undefined)
    lines.push('', `  From the workflow  ${JSON.stringify(context.workflowContext)}`);
  return lines;
}
