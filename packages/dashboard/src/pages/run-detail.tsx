import { useCallback, useState } from 'react';

import { ApiError } from '../api/client';
import type { StreamEvent } from '../api/sse';
import { StreamIndicator, useEventStream } from '../api/use-event-stream';
import { useResource } from '../api/use-resource';
import { TERMINAL, type RunDetails } from '../api/views';
import { ago, duration, errorText, time, usd } from '../components/format';
import { JsonView } from '../components/json-view';
import { PageHeader } from '../components/layout';
import { ResolveEscalation } from '../components/resolve-escalation';
import { StatusBadge } from '../components/status-badge';
import { Loaded } from '../components/states';
import { StepPanel } from '../components/step-panel';
import { Waterfall } from '../components/waterfall';
import { Link, navigate } from '../router';
import { NEEDS_OPERATOR, useCanOperate, useSession } from '../session';

/**
 * One run: where it is (the progress line and the waterfall), why it waits (its open
 * escalation, resolvable here), what it cost, and the actions on it. Follows the run's event
 * stream, or polls when the server has none.
 */
export function RunDetailPage(props: { id: string }) {
  const { api } = useSession();
  const canOperate = useCanOperate();
  const path = `/v1/runs/${encodeURIComponent(props.id)}`;
  const run = useResource((signal) => api.get<RunDetails>(path, {}, signal), [api, path]);
  const [selected, setSelected] = useState<number | null>(null);
  const [llmText, setLlmText] = useState('');
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const reload = run.reload;
  const onEvent = useCallback(
    (event: StreamEvent) => {
      if (event.event === 'llm.token') {
        const text = (event.data as { text?: string } | null)?.text ?? '';
        setLlmText((prev) => (prev + text).slice(-2000));
        return;
      }
      reload();
    },
    [reload],
  );
  const finished = run.data !== null && TERMINAL.has(run.data.status);
  const mode = useEventStream(api, finished ? null : `${path}/stream`, onEvent, { pollMs: 2000, reconnect: false });

  const act = (label: string, action: () => Promise<unknown>) => {
    setMessage(null);
    action().then(
      (answer) => {
        const newRun = replayedRunId(answer);
        if (newRun && newRun !== props.id) navigate(`/runs/${newRun}`);
        else setMessage({ text: `${label}: done`, error: false });
        reload();
      },
      (error: unknown) => {
        const text =
          error instanceof ApiError && error.unavailable
            ? `${label} is not available on this server yet`
            : error instanceof Error
              ? error.message
              : String(error);
        setMessage({ text: `${label} failed: ${text}`, error: true });
      },
    );
  };
  const replay = (fromSeq?: number) =>
    act(fromSeq === undefined ? 'Replay' : `Replay from step ${fromSeq}`, () =>
      api.post(`${path}/replay`, fromSeq === undefined ? {} : { fromSeq }),
    );

  return (
    <Loaded resource={run} what="run">
      {(r) => {
        const step = r.steps.find((s) => s.seq === selected) ?? null;
        const open = r.escalations.filter((e) => e.status === 'open');
        return (
          <div className={`run-detail ${step ? 'with-panel' : ''}`}>
            <div>
              <PageHeader title={r.workflow}>
                <StreamIndicator mode={finished ? 'ended' : mode} />
                <button
                  type="button"
                  disabled={finished || !canOperate}
                  title={canOperate ? undefined : NEEDS_OPERATOR}
                  onClick={() => act('Cancel', () => api.post(`${path}/cancel`))}
                >
                  Cancel
                </button>
                <button
                  type="button"
                  disabled={!canOperate}
                  title={canOperate ? undefined : NEEDS_OPERATOR}
                  onClick={() => replay()}
                >
                  Replay
                </button>
              </PageHeader>
              <div className="run-summary">
                <StatusBadge status={r.status} />
                <span className="progress-line" data-testid="progress">
                  {r.progress.summary}
                  {r.progress.etaSeconds && !r.progress.summary.includes('ETA')
                    ? ` ETA ${duration(r.progress.etaSeconds * 1000)}.`
                    : ''}
                </span>
                {r.progress.total !== null && (
                  <progress value={r.progress.completed} max={r.progress.total} aria-label="Steps complete" />
                )}
              </div>
              <dl className="facts inline">
                <dt>Run</dt>
                <dd>
                  <code>{r.id}</code>
                </dd>
                <dt>Started</dt>
                <dd title={time(r.createdAt)}>{ago(r.createdAt)}</dd>
                <dt>Duration</dt>
                <dd>{duration((r.finishedAt ? Date.parse(r.finishedAt) : Date.now()) - Date.parse(r.createdAt))}</dd>
                <dt>Cost</dt>
                <dd data-testid="run-cost">{usd(r.costUsd)}</dd>
                <dt>By</dt>
                <dd>{r.principal ?? '—'}</dd>
                {r.replayOf && (
                  <>
                    <dt>Replays</dt>
                    <dd>
                      <Link to={`/runs/${r.replayOf}`}>{r.replayOf}</Link>
                    </dd>
                  </>
                )}
              </dl>
              {message && (
                <p className={message.error ? 'state error' : 'notice'} role="status">
                  {message.text}
                </p>
              )}
              {r.error && <p className="state error">{errorText(r.error)}</p>}
              {r.summary && <p className="notice">{r.summary}</p>}
              {open.map((e) => (
                <section key={e.id} className="card escalation" data-testid="run-escalation">
                  <h2>Waiting for a human: {e.step}</h2>
                  <p className="reason">{e.summary ?? e.reason}</p>
                  <p className="muted">
                    {e.kind.replace(/_/g, ' ')} · assignee {e.assignee ?? 'anyone'}
                    {e.timeoutAt ? ` · due ${ago(e.timeoutAt)}` : ''}
                  </p>
                  <ResolveEscalation escalation={e} onResolved={reload} />
                </section>
              ))}
              <h2>Timeline</h2>
              {r.steps.length === 0 ? (
                <p className="state empty">No steps yet.</p>
              ) : (
                <Waterfall
                  steps={r.steps}
                  startedAt={r.createdAt}
                  finishedAt={r.finishedAt}
                  selected={selected}
                  onSelect={setSelected}
                />
              )}
              {llmText && !finished && (
                <section>
                  <h3>LLM output so far</h3>
                  <pre className="json">{llmText}</pre>
                </section>
              )}
              <div className="io">
                <section>
                  <h3>Input</h3>
                  <JsonView value={r.input} label="Run input" />
                </section>
                <section>
                  <h3>Output</h3>
                  <JsonView value={r.output} label="Run output" />
                </section>
              </div>
            </div>
            {step && (
              <StepPanel
                runId={r.id}
                step={step}
                onReplayFrom={(seq) => replay(seq)}
                onClose={() => setSelected(null)}
              />
            )}
          </div>
        );
      }}
    </Loaded>
  );
}

/** The run a replay answer names (`{ runId }`, `{ id }` or `{ run: { id } }`), if any. */
function replayedRunId(answer: unknown): string | null {
  const a = answer as { runId?: unknown; id?: unknown; run?: { id?: unknown } } | null;
  const id = a?.runId ?? a?.run?.id ?? a?.id;
  return typeof id === 'string' ? id : null;
}
