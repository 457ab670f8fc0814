import { useResource } from '../api/use-resource';
import type { StepView } from '../api/views';
import { duration, errorText, time, usd } from './format';
import { JsonView } from './json-view';
import { Empty, Loaded } from './states';
import { StatusBadge } from './status-badge';
import { stepKind } from './waterfall';
import { NEEDS_OPERATOR, useCanOperate, useSession } from '../session';

interface LogLine {
  at: string | number;
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

/** Why a step shows no input: only tool and LLM calls record one. */
function inputAbsence(kind: string): string {
  return kind === 'tool' || kind === 'llm'
    ? 'Not recorded (a step from before Vigil kept inputs, or one that never started).'
    : 'Only tool and LLM calls record an input.';
}

/** One step in full: its input, attempts, error, result, tokens, cost and log lines; replay from here. */
export function StepPanel(props: {
  runId: string;
  step: StepView;
  onReplayFrom: (seq: number) => void;
  onClose: () => void;
}) {
  const { api } = useSession();
  const canOperate = useCanOperate();
  const { step } = props;
  const logs = useResource(
    (signal) =>
      api.get<{ logs: LogLine[] }>(`/v1/runs/${encodeURIComponent(props.runId)}/logs`, { seq: step.seq }, signal),
    [api, props.runId, step.seq, step.status],
  );
  // The run view leaves results out: the step's own route has its checkpointed output.
  const details = useResource(
    (signal) => api.get<StepView>(`/v1/runs/${encodeURIComponent(props.runId)}/steps/${step.seq}`, {}, signal),
    [api, props.runId, step.seq, step.status],
  );
  return (
    <aside className="side-panel" aria-label={`Step ${step.name}`} data-testid="step-panel">
      <header>
        <h2>
          <span className={`kind kind-${stepKind(step)}`}>{stepKind(step)}</span> {step.name}
        </h2>
        <button type="button" onClick={props.onClose} aria-label="Close">
          ×
        </button>
      </header>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={step.status} />{' '}
          {step.intact ? '' : <strong className="error-text">checkpoint corrupted</strong>}
        </dd>
        <dt>Step #</dt>
        <dd>{step.seq}</dd>
        <dt>Started</dt>
        <dd>{time(step.startedAt)}</dd>
        <dt>Took</dt>
        <dd>{step.endedAt ? duration(Date.parse(step.endedAt) - Date.parse(step.startedAt)) : 'not finished'}</dd>
        {step.wakeAt && (
          <>
            <dt>Wakes</dt>
            <dd>{time(step.wakeAt)}</dd>
          </>
        )}
        <dt>Attempts</dt>
        <dd>{step.attempts}</dd>
        <dt>Cost</dt>
        <dd>{usd(step.llm?.costUsd ?? step.costUsd)}</dd>
        {step.llm && (
          <>
            <dt>Model</dt>
            <dd>
              {step.llm.model}, {duration(step.llm.latencyMs)}
            </dd>
            <dt>Tokens</dt>
            <dd>
              {step.llm.tokens.input} in · {step.llm.tokens.output} out · {step.llm.tokens.cached} cached ·{' '}
              {step.llm.tokens.reasoning} reasoning
            </dd>
          </>
        )}
        {step.policy && (
          <>
            <dt>Policy</dt>
            <dd>
              {step.policy.decision}
              {step.policy.rule ? ` (${step.policy.rule})` : ''}
              {step.policy.reason ? `: ${step.policy.reason}` : ''}
            </dd>
          </>
        )}
      </dl>
      {step.error && (
        <section>
          <h3>Error</h3>
          <p className="error-text">{errorText(step.error)}</p>
        </section>
      )}
      {step.failedAttempts.length > 0 && (
        <section>
          <h3>Failed attempts</h3>
          <ol className="attempts">
            {step.failedAttempts.map((a) => (
              <li key={a.attempt}>
                #{a.attempt} {a.outcome}: {errorText(a.error)}
                {a.delayMs ? <span className="muted"> — retried after {duration(a.delayMs)}</span> : null}
              </li>
            ))}
          </ol>
        </section>
      )}
      <section>
        <h3>Input</h3>
        <Loaded resource={details} what="step input">
          {(full) =>
            full.input === null || full.input === undefined ? (
              <span className="muted">{inputAbsence(step.kind)}</span>
            ) : (
              <JsonView value={full.input} label="Step input" />
            )
          }
        </Loaded>
      </section>
      <section>
        <h3>Output</h3>
        <Loaded resource={details} what="step output">
          {(full) => <JsonView value={full.output} label="Step output" />}
        </Loaded>
      </section>
      <section>
        <h3>Logs</h3>
        <Loaded resource={logs} what="step logs">
          {({ logs: lines }) =>
            lines.length === 0 ? (
              <Empty>No log lines for this step.</Empty>
            ) : (
              <ol className="logs">
                {lines.map((line, i) => (
                  <li key={i} className={`log-${line.level}`}>
                    <span className="muted">{time(line.at)}</span> <strong>{line.level}</strong> {line.msg}
                    {line.fields && Object.keys(line.fields).length > 0 && <code> {JSON.stringify(line.fields)}</code>}
                  </li>
                ))}
              </ol>
            )
          }
        </Loaded>
      </section>
      <button
        type="button"
        disabled={!canOperate}
        title={canOperate ? undefined : NEEDS_OPERATOR}
        onClick={() => props.onReplayFrom(step.seq)}
      >
        Replay from this step
      </button>
    </aside>
  );
}
