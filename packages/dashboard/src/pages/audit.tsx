import { useState } from 'react';

import { useResource } from '../api/use-resource';
import type { AuditEntry } from '../api/views';
import { AuditStatus } from '../components/audit-status';
import { time } from '../components/format';
import { PageHeader } from '../components/layout';
import { Empty, Loaded } from '../components/states';
import { Link } from '../router';
import { useSession } from '../session';

/**
 * The hash-chained audit trail, filtered by run, principal and event type, page by page, under
 * its verification status. Each entry carries its hash (hover its number).
 */
export function AuditPage() {
  const { api } = useSession();
  const [filters, setFilters] = useState({ run: '', principal: '', type: '' });
  const [after, setAfter] = useState<number[]>([]);
  const entries = useResource(
    (signal) =>
      api.get<{ entries: AuditEntry[]; next: number | null }>(
        '/v1/audit',
        { ...filters, after: after.at(-1), limit: 100 },
        signal,
      ),
    [api, filters.run, filters.principal, filters.type, after.at(-1)],
  );
  const set = (name: keyof typeof filters, value: string) => {
    setAfter([]);
    setFilters((prev) => ({ ...prev, [name]: value }));
  };
  return (
    <>
      <PageHeader title="Audit trail" />
      <AuditStatus />
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <input aria-label="Run" placeholder="run id" value={filters.run} onChange={(e) => set('run', e.target.value)} />
        <input
          aria-label="Principal"
          placeholder="principal (key:…)"
          value={filters.principal}
          onChange={(e) => set('principal', e.target.value)}
        />
        <input
          aria-label="Type"
          placeholder="type (run.created…)"
          value={filters.type}
          onChange={(e) => set('type', e.target.value)}
        />
      </form>
      <Loaded resource={entries} what="audit entries">
        {({ entries: list, next }) => (
          <>
            {list.length === 0 ? (
              <Empty>No audit entries match.</Empty>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>When</th>
                    <th>Type</th>
                    <th>Run</th>
                    <th>Principal</th>
                    <th>Data</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((e) => (
                    <tr key={e.seq}>
                      <td title={e.hash}>{e.seq}</td>
                      <td>{time(e.at)}</td>
                      <td>
                        <code>{e.type}</code>
                      </td>
                      <td>{e.runId ? <Link to={`/runs/${e.runId}`}>{e.runId.slice(-8)}</Link> : '—'}</td>
                      <td>{e.principal ?? '—'}</td>
                      <td>
                        <code className="clip">{JSON.stringify(e.data)}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <div className="pager">
              <button type="button" disabled={after.length === 0} onClick={() => setAfter((a) => a.slice(0, -1))}>
                Previous
              </button>
              <button
                type="button"
                disabled={next === null}
                onClick={() => next !== null && setAfter((a) => [...a, next])}
              >
                Next
              </button>
            </div>
          </>
        )}
      </Loaded>
    </>
  );
}
