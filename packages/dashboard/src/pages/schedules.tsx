import { useState } from 'react';

import { useResource } from '../api/use-resource';
import type { ScheduleView } from '../api/views';
import { ago, shortId, time } from '../components/format';
import { PageHeader } from '../components/layout';
import { Empty, Loaded } from '../components/states';
import { Link } from '../router';
import { NEEDS_OPERATOR, useCanOperate, useSession } from '../session';

/** Cron schedules: when each fires next, pause or resume it, or fire it now. */
export function SchedulesPage() {
  const { api } = useSession();
  const canOperate = useCanOperate();
  const schedules = useResource(
    (signal) => api.get<{ schedules: ScheduleView[] }>('/v1/schedules', { limit: 500 }, signal),
    [api],
    15_000,
  );
  const [error, setError] = useState<string | null>(null);
  const act = (id: string, action: 'pause' | 'resume' | 'trigger') => {
    setError(null);
    api
      .post(`/v1/schedules/${encodeURIComponent(id)}/${action}`)
      .then(schedules.reload, (failure: unknown) =>
        setError(failure instanceof Error ? failure.message : String(failure)),
      );
  };
  return (
    <>
      <PageHeader title="Schedules" />
      {error && (
        <p className="state error" role="alert">
          {error}
        </p>
      )}
      <Loaded resource={schedules} what="schedules">
        {({ schedules: list }) =>
          list.length === 0 ? (
            <Empty>No schedules. Declare one on a workflow or add one with vigil schedules add.</Empty>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Schedule</th>
                  <th>Workflow</th>
                  <th>Cron</th>
                  <th>Next fire</th>
                  <th>Last run</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((s) => (
                  <tr key={s.id}>
                    <td>
                      {s.id} <span className="muted">{s.origin}</span>
                    </td>
                    <td>{s.workflow}</td>
                    <td>
                      <code>{s.cron}</code> <span className="muted">{s.timezone}</span>
                    </td>
                    <td title={time(s.nextFireAt)}>{s.paused ? <strong>paused</strong> : ago(s.nextFireAt)}</td>
                    <td>{s.lastRunId ? <Link to={`/runs/${s.lastRunId}`}>{shortId(s.lastRunId)}</Link> : '—'}</td>
                    <td className="buttons">
                      <button
                        type="button"
                        disabled={!canOperate}
                        title={canOperate ? undefined : NEEDS_OPERATOR}
                        onClick={() => act(s.id, s.paused ? 'resume' : 'pause')}
                      >
                        {s.paused ? 'Resume' : 'Pause'}
                      </button>
                      <button
                        type="button"
                        disabled={!canOperate}
                        title={canOperate ? undefined : NEEDS_OPERATOR}
                        onClick={() => act(s.id, 'trigger')}
                      >
                        Trigger now
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </>
  );
}
