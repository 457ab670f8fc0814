import { useCallback } from 'react';

import { loadOverview, type Overview } from '../api/overview';
import { StreamIndicator, useEventStream } from '../api/use-event-stream';
import { useResource } from '../api/use-resource';
import { RUN_STATUSES } from '../api/views';
import { AlertsStrip } from '../components/alerts-strip';
import { StackedBars } from '../components/charts';
import { duration, percent, usd } from '../components/format';
import { PageHeader } from '../components/layout';
import { Loaded } from '../components/states';
import { Link } from '../router';
import { useSession } from '../session';

/** The last 24 hours at a glance, and what needs a human now. */
export function OverviewPage() {
  const { api } = useSession();
  const overview = useResource((signal) => loadOverview(api, signal), [api]);
  const reload = overview.reload;
  // The whole overview is a handful of queries: refresh at most every few seconds on changes.
  const mode = useEventStream(
    api,
    '/v1/stream',
    useCallback(() => reload(), [reload]),
    {
      pollMs: 10_000,
      reconnect: true,
    },
  );
  return (
    <>
      <PageHeader title="Overview">
        <StreamIndicator mode={mode} />
      </PageHeader>
      <AlertsStrip />
      <Loaded resource={overview} what="overview">
        {(o) => <OverviewBody overview={o} />}
      </Loaded>
    </>
  );
}

function OverviewBody({ overview: o }: { overview: Overview }) {
  const tiles: Array<{ label: string; value: string; to?: string; alert?: boolean }> = [
    { label: 'Runs (24 h)', value: String(o.total), to: '/runs' },
    { label: 'Success rate', value: percent(o.successRate), alert: o.successRate !== null && o.successRate < 0.9 },
    { label: 'Escalation rate', value: percent(o.escalationRate) },
    { label: 'p50 / p95 duration', value: `${duration(o.p50Ms)} / ${duration(o.p95Ms)}` },
    { label: 'Spend today', value: usd(o.spendTodayUsd), to: '/spend' },
    {
      label: 'Open escalations',
      value: String(o.openEscalations ?? '—'),
      to: '/inbox',
      alert: (o.openEscalations ?? 0) > 0,
    },
    {
      label: 'Dead letters',
      value: String(o.deadLetters ?? '—'),
      to: '/dead-letters',
      alert: (o.deadLetters ?? 0) > 0,
    },
    {
      label: 'Breakers open',
      value: o.breakers ? `${o.breakers.open} open · ${o.breakers.halfOpen} half-open` : '—',
      to: '/tools',
      alert: (o.breakers?.open ?? 0) > 0,
    },
    { label: 'Workers with runs', value: o.workers ? String(o.workers.length) : 'not reported' },
  ];
  // Derived: counts by status; from the server: completed, failed and escalated per bucket.
  const present = new Set(o.series.flatMap((b) => Object.keys(b.counts).filter((k) => (b.counts[k] ?? 0) > 0)));
  const keys = [
    ...RUN_STATUSES.filter((s) => present.has(s)),
    ...[...present].filter((k) => !RUN_STATUSES.includes(k as never)),
  ];
  return (
    <>
      <div className="tiles" data-testid="overview-tiles">
        {tiles.map((tile) => {
          const body = (
            <>
              <span>{tile.label}</span>
              <strong>{tile.value}</strong>
            </>
          );
          return (
            <div key={tile.label} className={`tile ${tile.alert ? 'alert' : ''}`}>
              {tile.to ? <Link to={tile.to}>{body}</Link> : body}
            </div>
          );
        })}
      </div>
      <h2>Runs by status, per hour</h2>
      {o.total === 0 ? (
        <p className="state empty">No runs in the last 24 hours.</p>
      ) : (
        <StackedBars
          title="Runs by status per hour"
          keys={keys}
          buckets={o.series.map((b) => ({
            label: new Date(b.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
            values: b.counts,
          }))}
        />
      )}
      {o.source === 'derived' && (
        <p className="muted">
          Computed in the browser from the run list{o.sampled ? ' (newest 500 runs)' : ''}: this server has no{' '}
          <code>/v1/overview</code> yet, so escalation rate and workers are not shown.
        </p>
      )}
    </>
  );
}
