import { useCallback, useState } from 'react';

import { ApiError, type ApiClient } from '../api/client';
import { StreamIndicator, useEventStream } from '../api/use-event-stream';
import { useResource } from '../api/use-resource';
import { RUN_STATUSES, type RunSummary } from '../api/views';
import { forEachRun, type BulkResult } from '../components/bulk-actions';
import { ago, duration, shortId, time } from '../components/format';
import { PageHeader } from '../components/layout';
import { StatusBadge } from '../components/status-badge';
import { StartRunForm } from '../components/start-run';
import { Empty, Loaded } from '../components/states';
import { Link, setQuery, useLocation } from '../router';
import { NEEDS_OPERATOR, NEEDS_TRIGGER, useCanOperate, useCanTrigger, useSession } from '../session';

const FILTERS = ['status', 'workflow', 'from', 'to', 'q'] as const;
/** Filters the server may not know yet (`400` naming them): then applied here, to the page loaded. */
const NEWER_FILTERS = new Set(['from', 'to', 'q']);

interface RunList {
  runs: RunSummary[];
  nextCursor: string | null;
  /** Filters this server refused, applied in the browser instead. */
  localFilters: string[];
}

/** Every run, newest first, filtered by status, workflow, time range and a search on id and input. */
export function RunsPage() {
  const { api } = useSession();
  const { query } = useLocation();
  const filters = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) ?? ''])) as Record<
    (typeof FILTERS)[number],
    string
  >;
  const canOperate = useCanOperate();
  const canTrigger = useCanTrigger();
  const [starting, setStarting] = useState(query.get('start') !== null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulk, setBulk] = useState<BulkResult | null>(null);
  const runs = useResource((signal) => listRuns(api, filters, signal), [api, ...FILTERS.map((name) => filters[name])]);
  const workflows = useResource(
    (signal) => api.get<{ workflows: Array<{ name: string }> }>('/v1/workflows', {}, signal),
    [api],
  );
  const reload = runs.reload;
  const mode = useEventStream(
    api,
    '/v1/stream',
    useCallback(() => reload(), [reload]),
    {
      pollMs: 3000,
      reconnect: true,
    },
  );
  const setFilter = (name: string, value: string) => setQuery({ ...filters, [name]: value });
  const act = async (action: 'cancel' | 'replay') => {
    setBulk(await forEachRun(api, [...selected], action));
    setSelected(new Set());
    reload();
  };
  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <>
      <PageHeader title="Runs">
        <StreamIndicator mode={mode} />
        <button
          type="button"
          onClick={() => setStarting((open) => !open)}
          disabled={!canTrigger}
          title={canTrigger ? undefined : NEEDS_TRIGGER}
        >
          Start run
        </button>
      </PageHeader>
      {starting && canTrigger && <StartRunForm onClose={() => setStarting(false)} />}
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <input
          aria-label="Search"
          placeholder="Search id or input"
          value={filters.q}
          onChange={(e) => setFilter('q', e.target.value)}
        />
        <select aria-label="Status" value={filters.status} onChange={(e) => setFilter('status', e.target.value)}>
          <option value="">any status</option>
          {RUN_STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <select aria-label="Workflow" value={filters.workflow} onChange={(e) => setFilter('workflow', e.target.value)}>
          <option value="">any workflow</option>
          {(workflows.data?.workflows ?? []).map((w) => (
            <option key={w.name}>{w.name}</option>
          ))}
        </select>
        <label>
          from <input type="datetime-local" value={filters.from} onChange={(e) => setFilter('from', e.target.value)} />
        </label>
        <label>
          to <input type="datetime-local" value={filters.to} onChange={(e) => setFilter('to', e.target.value)} />
        </label>
      </form>
      <div className="bulk">
        <span>{selected.size} selected</span>
        <button
          type="button"
          disabled={selected.size === 0 || !canOperate}
          title={canOperate ? undefined : NEEDS_OPERATOR}
          onClick={() => void act('cancel')}
        >
          Cancel selected
        </button>
        <button
          type="button"
          disabled={selected.size === 0 || !canOperate}
          title={canOperate ? undefined : NEEDS_OPERATOR}
          onClick={() => void act('replay')}
        >
          Replay selected
        </button>
        {bulk && (
          <span className={bulk.failed.length ? 'error-text' : 'muted'} role="status">
            {bulk.done} done{bulk.failed.length ? `, ${bulk.failed.length} failed: ${bulk.failed[0]!.message}` : ''}
          </span>
        )}
      </div>
      <Loaded resource={runs} what="runs">
        {(list) => (
          <>
            {list.localFilters.length > 0 && (
              <p className="notice">
                This server does not filter by {list.localFilters.join(', ')} yet: applied to the latest 500 runs here.
              </p>
            )}
            {list.runs.length === 0 ? (
              <Empty>No runs match.</Empty>
            ) : (
              <RunTable runs={list.runs} selected={selected} toggle={toggle} />
            )}
          </>
        )}
      </Loaded>
    </>
  );
}

function RunTable(props: { runs: RunSummary[]; selected: Set<string>; toggle: (id: string) => void }) {
  return (
    <table className="table" data-testid="runs">
      <thead>
        <tr>
          <th />
          <th>Run</th>
          <th>Workflow</th>
          <th>Status</th>
          <th>Started</th>
          <th>Duration</th>
          <th>By</th>
        </tr>
      </thead>
      <tbody>
        {props.runs.map((run) => (
          <tr key={run.id}>
            <td>
              <input
                type="checkbox"
                aria-label={`Select ${run.id}`}
                checked={props.selected.has(run.id)}
                onChange={() => props.toggle(run.id)}
              />
            </td>
            <td>
              <Link to={`/runs/${run.id}`} title={run.id}>
                {shortId(run.id)}
              </Link>
            </td>
            <td>
              {run.workflow} <span className="muted">v{run.version}</span>
            </td>
            <td>
              <StatusBadge status={run.status} />
              {run.waitingFor && <span className="muted"> ({run.waitingFor})</span>}
            </td>
            <td title={time(run.createdAt)}>{ago(run.createdAt)}</td>
            <td>{duration((run.finishedAt ? Date.parse(run.finishedAt) : Date.now()) - Date.parse(run.createdAt))}</td>
            <td className="muted">{run.principal ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function listRuns(api: ApiClient, filters: Record<string, string>, signal: AbortSignal): Promise<RunList> {
  const query = { ...filters, from: isoOf(filters['from']), to: isoOf(filters['to']) };
  try {
    return {
      ...(await api.get<Omit<RunList, 'localFilters'>>('/v1/runs', { ...query, limit: 100 }, signal)),
      localFilters: [],
    };
  } catch (error) {
    const refused = error instanceof ApiError && error.status === 400 && NEWER_FILTERS.has(error.path ?? '');
    if (!refused) throw error;
  }
  const localFilters = [...NEWER_FILTERS].filter((name) => filters[name]);
  const page = await api.get<Omit<RunList, 'localFilters'>>(
    '/v1/runs',
    { status: filters['status'], workflow: filters['workflow'], limit: 500 },
    signal,
  );
  const from = filters['from'] ? Date.parse(filters['from']) : -Infinity;
  const to = filters['to'] ? Date.parse(filters['to']) : Infinity;
  const q = (filters['q'] ?? '').toLowerCase();
  const runs = page.runs.filter((run) => {
    const at = Date.parse(run.createdAt);
    return at >= from && at < to && (q === '' || run.id.toLowerCase().includes(q) || run.workflow.includes(q));
  });
  return { runs, nextCursor: null, localFilters };
}

function isoOf(local: string | undefined): string | undefined {
  return local ? new Date(local).toISOString() : undefined;
}
