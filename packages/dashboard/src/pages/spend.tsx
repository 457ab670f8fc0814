import { useState } from 'react';

import { useResource } from '../api/use-resource';
import type { SpendAnswer } from '../api/views';
import { HorizontalBars } from '../components/charts';
import { usd } from '../components/format';
import { PageHeader } from '../components/layout';
import { Empty, Loaded } from '../components/states';
import { useSession } from '../session';

const GROUPINGS = ['workflow', 'model', 'day', 'agent'] as const;
const RANGES: Record<string, number> = { 'last 24 h': 1, 'last 7 days': 7, 'last 30 days': 30 };

/** What the LLM and tool calls cost (settled spend), by workflow, model or day. */
export function SpendPage() {
  const { api } = useSession();
  const [by, setBy] = useState<(typeof GROUPINGS)[number]>('workflow');
  const [range, setRange] = useState('last 7 days');
  const since = new Date(Date.now() - RANGES[range]! * 86_400_000).toISOString().slice(0, 13);
  const spend = useResource(
    (signal) => api.get<SpendAnswer>('/v1/spend', { by, since: `${since}:00:00.000Z` }, signal),
    [api, by, since],
  );
  return (
    <>
      <PageHeader title="Spend">
        <div className="segmented" role="group" aria-label="Group by">
          {GROUPINGS.map((g) => (
            <button key={g} type="button" className={g === by ? 'active' : ''} onClick={() => setBy(g)}>
              by {g}
            </button>
          ))}
        </div>
        <select aria-label="Range" value={range} onChange={(e) => setRange(e.target.value)}>
          {Object.keys(RANGES).map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </PageHeader>
      <Loaded resource={spend} what="spend">
        {(answer) => {
          const groups =
            by === 'day' ? [...answer.groups].sort((a, b) => a.group.localeCompare(b.group)) : answer.groups;
          return (
            <>
              <div className="tiles">
                <div className="tile">
                  <span>Total</span>
                  <strong>{usd(answer.total.usd)}</strong>
                </div>
                <div className="tile">
                  <span>Calls</span>
                  <strong>{answer.total.calls}</strong>
                </div>
              </div>
              {groups.length === 0 ? (
                <Empty>No spend recorded in this range.</Empty>
              ) : (
                <>
                  <HorizontalBars
                    title={`Spend by ${by}`}
                    rows={groups.map((g) => ({ label: g.group, value: g.usd, text: usd(g.usd) }))}
                  />
                  <table className="table">
                    <thead>
                      <tr>
                        <th>{by}</th>
                        <th>USD</th>
                        <th>Calls</th>
                        <th>Tokens in / out</th>
                      </tr>
                    </thead>
                    <tbody>
                      {groups.map((g) => (
                        <tr key={g.group}>
                          <td>{g.group}</td>
                          <td>{usd(g.usd)}</td>
                          <td>{g.calls}</td>
                          <td>
                            {g.tokens.input} / {g.tokens.output}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </>
              )}
            </>
          );
        }}
      </Loaded>
    </>
  );
}
