import type { StepView } from '../api/views';
import { duration } from './format';

/** What a step is, for people: tool and LLM calls, sleeps and waits read differently from plain steps. */
export function stepKind(step: StepView): string {
  if (step.llm) return 'llm';
  if (step.policy) return 'tool';
  if (step.kind === 'sleep') return 'sleep';
  if (step.name.startsWith('$escalation') || step.status === 'waiting') return 'wait';
  if (step.name.startsWith('$event') || step.name.startsWith('$wait')) return 'wait';
  return step.kind;
}

/** Journaled values (`$now`, `$uuid`, memory writes) take no time worth a row. */
export function isTimelineStep(step: StepView): boolean {
  return !['now', 'random', 'uuid', 'memory'].includes(step.kind);
}

interface Segment {
  from: number;
  to: number;
  className: string;
  title: string;
}

/** A step's bar: each failed attempt, the retry delay after it, then the last attempt (or the sleep). */
function segmentsOf(step: StepView, now: number): Segment[] {
  const segments: Segment[] = [];
  for (const attempt of step.failedAttempts) {
    const from = Date.parse(attempt.startedAt);
    const to = Date.parse(attempt.endedAt);
    segments.push({
      from,
      to,
      className: 'seg-failed',
      title: `attempt ${attempt.attempt} ${attempt.outcome}: ${attempt.error?.message ?? ''}`,
    });
    if (attempt.delayMs) {
      segments.push({
        from: to,
        to: to + attempt.delayMs,
        className: 'seg-delay',
        title: `retry delay ${duration(attempt.delayMs)}`,
      });
    }
  }
  const lastStart = segments.length ? segments[segments.length - 1]!.to : Date.parse(step.startedAt);
  // An unfinished step ends "now" on the axis: a sleep or a wait due in hours would otherwise
  // squash every other step into a sliver. Its wake time is in the row's label instead.
  const end = step.endedAt ? Date.parse(step.endedAt) : now;
  segments.push({
    from: Math.min(lastStart, end),
    to: end,
    className: `seg-${stepKind(step)} seg-${step.status}`,
    title: `${step.name}: ${step.status}`,
  });
  return segments;
}

/**
 * The run's steps on one time axis, from the run's start to its end (or now): where the time
 * went, which steps retried (red attempts, hatched delays) and what is still running or waiting.
 */
export function Waterfall(props: {
  steps: StepView[];
  startedAt: string;
  finishedAt: string | null;
  selected: number | null;
  onSelect: (seq: number) => void;
}) {
  const now = Date.now();
  const steps = props.steps.filter(isTimelineStep);
  const start = Date.parse(props.startedAt);
  const allSegments = steps.map((step) => segmentsOf(step, now));
  const end = Math.max(
    props.finishedAt ? Date.parse(props.finishedAt) : now,
    ...allSegments.flat().map((s) => s.to),
    start + 1,
  );
  const span = end - start;
  const pct = (at: number) => `${(((at - start) / span) * 100).toFixed(3)}%`;
  const width = (s: Segment) => `${Math.max(((s.to - s.from) / span) * 100, 0.4).toFixed(3)}%`;
  return (
    <div className="waterfall" role="list" aria-label="Steps timeline">
      <div className="axis">
        <span>0</span>
        <span>{duration(span / 2)}</span>
        <span>{duration(span)}</span>
      </div>
      {steps.map((step, index) => (
        <button
          type="button"
          role="listitem"
          key={step.seq}
          className={`row ${props.selected === step.seq ? 'selected' : ''}`}
          onClick={() => props.onSelect(step.seq)}
          data-testid="timeline-step"
          data-step={step.name}
          data-status={step.status}
        >
          <span className="label">
            <span className={`kind kind-${stepKind(step)}`}>{stepKind(step)}</span>
            {step.name}
            {step.attempts > 1 && <span className="muted"> ×{step.attempts}</span>}
          </span>
          <span className="track">
            {allSegments[index]!.map((segment, i) => (
              <span
                key={i}
                className={`seg ${segment.className}`}
                style={{ left: pct(segment.from), width: width(segment) }}
                title={segment.title}
              />
            ))}
          </span>
          <span className="took">
            {step.endedAt
              ? duration(Date.parse(step.endedAt) - Date.parse(step.startedAt))
              : step.wakeAt
                ? `${step.status}, wakes in ${duration(Date.parse(step.wakeAt) - now)}`
                : step.status}
          </span>
        </button>
      ))}
    </div>
  );
}
