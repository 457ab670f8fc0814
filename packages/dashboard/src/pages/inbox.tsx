import { useCallback } from 'react';

import { useEventStream, StreamIndicator } from '../api/use-event-stream';
import { useResource } from '../api/use-resource';
import type { EscalationView } from '../api/views';
import { ago, duration, errorText, shortId } from '../components/format';
import { PageHeader } from '../components/layout';
import { ResolveEscalation } from '../components/resolve-escalation';
import { Empty, Loaded } from '../components/states';
import { Link } from '../router';
import { useSession } from '../session';

/** Open escalations, oldest deadline first: what is waiting for a human, why, and for how long. */
export function InboxPage() {
  const { api } = useSession();
  const escalations = useResource(
    (signal) => api.get<{ escalations: EscalationView[] }>('/v1/escalations', { status: 'open', limit: 200 }, signal),
    [api],
  );
  const reload = escalations.reload;
  const mode = useEventStream(
    api,
    '/v1/stream',
    useCallback(() => reload(), [reload]),
    {
      pollMs: 5000,
      reconnect: true,
    },
  );
  return (
    <>
      <PageHeader title="Inbox">
        <StreamIndicator mode={mode} />
      </PageHeader>
      <Loaded resource={escalations} what="open escalations">
        {({ escalations: open }) =>
          open.length === 0 ? (
            <Empty>Nothing is waiting for a human.</Empty>
          ) : (
            <div className="cards">
              {[...open].sort(byDeadline).map((e) => (
                <EscalationCard key={e.id} escalation={e} onResolved={reload} />
              ))}
            </div>
          )
        }
      </Loaded>
    </>
  );
}

const byDeadline = (a: EscalationView, b: EscalationView) =>
  (a.timeoutAt ? Date.parse(a.timeoutAt) : Infinity) - (b.timeoutAt ? Date.parse(b.timeoutAt) : Infinity) ||
  Date.parse(a.createdAt) - Date.parse(b.createdAt);

export function EscalationCard(props: { escalation: EscalationView; onResolved: () => void }) {
  const e = props.escalation;
  const left = e.timeoutAt ? Date.parse(e.timeoutAt) - Date.now() : null;
  const context = e.context;
  return (
    <article className="card escalation" data-testid="escalation">
      <header>
        <span className={`badge kind-${e.kind}`}>{e.kind.replace(/_/g, ' ')}</span>
        <strong>{e.step}</strong> in <Link to={`/runs/${e.runId}`}>{e.workflow}</Link>{' '}
        <span className="muted">run {shortId(e.runId)}</span>
        {e.blocking && <span className="badge status-waiting">blocking</span>}
      </header>
      <p className="reason">{e.summary ?? e.reason}</p>
      <dl className="facts">
        <dt>Assignee</dt>
        <dd>{e.assignee ?? 'anyone'}</dd>
        <dt>Raised</dt>
        <dd>{ago(e.createdAt)}</dd>
        <dt>Time left</dt>
        <dd className={left !== null && left < 15 * 60_000 ? 'urgent' : ''}>
          {left === null ? 'no deadline' : left <= 0 ? 'due now' : duration(left)}
          {e.onTimeout ? ` (then ${e.onTimeout})` : ''}
        </dd>
        {context.tool && (
          <>
            <dt>Tool call</dt>
            <dd>
              <code>{context.tool}</code> <code>{JSON.stringify(context.args)}</code>
            </dd>
          </>
        )}
        {context.lastError && (
          <>
            <dt>Last error</dt>
            <dd className="error-text">{errorText(context.lastError)}</dd>
          </>
        )}
        {context.completedSteps && context.completedSteps.length > 0 && (
          <>
            <dt>Done so far</dt>
            <dd>{context.completedSteps.map((s) => s.name).join(' → ')}</dd>
          </>
        )}
        {context.attempts && context.attempts.length > 0 && (
          <>
            <dt>Attempts</dt>
            <dd>
              {context.attempts.length}, last: {context.attempts.at(-1)?.outcome}
            </dd>
          </>
        )}
      </dl>
      <ResolveEscalation escalation={e} onResolved={props.onResolved} />
    </article>
  );
}
