import { InvalidArgumentError } from '../core/errors.js';
import type { RunDetails, RunSummary } from '../runtime/run-view.js';

export type OutputFormat = 'table' | 'json';

export function parseOutputFormat(value: string): OutputFormat {
  if (value === 'table' || value === 'json') return value;
  throw new InvalidArgumentError(`-o/--output must be "table" or "json"; got ${JSON.stringify(value)}`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Fixed-width columns, the first row a header. */
export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

export function formatRunList(runs: RunSummary[]): string {
  if (runs.length === 0) return 'No runs.';
  return formatTable([
    ['ID', 'WORKFLOW', 'STATUS', 'ATTEMPT', 'CREATED'],
    ...runs.map((run) => [run.id, `${run.workflow}@${run.version}`, run.status, String(run.attempt), run.createdAt]),
  ]);
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

function duration(startedAt: string, endedAt: string | null): string {
  if (!endedAt) return '';
  const ms = Date.parse(endedAt) - Date.parse(startedAt);
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

const WAITING_FOR: Record<NonNullable<RunSummary['waitingFor']>, (run: RunSummary) => string> = {
  concurrency: () => 'for a free slot (the workflow’s concurrency limit is reached)',
  concurrency_key: (run) => `for a free slot (concurrency limit of key ${JSON.stringify(run.concurrencyKey)} reached)`,
  rate_limit: () => 'for the start-rate limit to allow another start',
};

/** A run for people: header, progress, the step timeline (journaled values left out), result. */
export function formatRunDetails(run: RunDetails): string {
  const lines = [
    `Run       ${run.id}`,
    `Workflow  ${run.workflow}@${run.version}`,
    `Status    ${run.status}`,
    `Progress  ${run.progress.summary}`,
    `Created   ${run.createdAt}`,
  ];
  if (run.principal) lines.push(`By        ${run.principal}`);
  if (run.finishedAt) lines.push(`Finished  ${run.finishedAt}`);
  if (run.wakeAt && !run.finishedAt) lines.push(`Wakes     ${run.wakeAt}`);
  if (run.waitingFor && !run.finishedAt) lines.push(`Waiting   ${WAITING_FOR[run.waitingFor](run)}`);
  if (run.priority > 0) lines.push(`Priority  ${run.priority}s`);
  if (run.summary) lines.push(`Summary   ${run.summary}`);
  if (run.replayOf) lines.push(`Replays   ${run.replayOf}`);
  if (run.costUsd > 0) lines.push(`Cost      $${run.costUsd}`);
  const steps = run.steps.filter((step) => !step.name.startsWith('$'));
  if (steps.length > 0) {
    const rows = [['SEQ', 'STEP', 'KIND', 'STATUS', 'ATTEMPTS', 'DURATION']];
    for (const step of steps) {
      rows.push([
        String(step.seq),
        step.name,
        step.kind,
        step.intact ? step.status : `${step.status} (CORRUPTED)`,
        String(step.attempts),
        duration(step.startedAt, step.endedAt),
      ]);
      // Each attempt that did not succeed, under its step: what went wrong and how long it waited.
      for (const a of step.failedAttempts) {
        const wait = a.delayMs === null ? '' : `, retried after ${formatMs(a.delayMs)}`;
        rows.push(['', `  attempt ${a.attempt}`, '', a.outcome, '', `${a.error?.message ?? ''}${wait}`]);
      }
    }
    lines.push('', formatTable(rows));
  }
  const open = run.escalations.filter((e) => e.status === 'open');
  for (const e of open) {
    lines.push(
      '',
      `Escalation ${e.id} (${e.blocking ? 'blocking' : 'non-blocking'}, ${e.assignee ?? 'unassigned'}): ${e.reason}`,
    );
  }
  if (run.error) lines.push('', `Error     ${run.error.code ? `[${run.error.code}] ` : ''}${run.error.message}`);
  if (run.output !== null) lines.push('', `Output    ${JSON.stringify(run.output)}`);
  return lines.join('\n');
}
