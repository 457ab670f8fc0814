import { useState } from 'react';

import { useResource } from '../api/use-resource';
import type { BreakerView, ToolView } from '../api/views';
import { ago, duration, errorText } from '../components/format';
import { PageHeader } from '../components/layout';
import { StatusBadge } from '../components/status-badge';
import { Empty, Loaded } from '../components/states';
import { NEEDS_OPERATOR, useCanOperate, useSession } from '../session';

/** Registered tools with their retry, timeout and breaker policies, and every breaker's state. */
export function ToolsPage() {
  const { api } = useSession();
  const tools = useResource((signal) => api.get<{ tools: ToolView[] }>('/v1/tools', {}, signal), [api]);
  const breakers = useResource(
    (signal) => api.get<{ breakers: BreakerView[] }>('/v1/breakers', {}, signal),
    [api],
    10_000,
  );
  const canOperate = useCanOperate();
  const [error, setError] = useState<string | null>(null);
  const reset = (key: string) => {
    setError(null);
    api
      .post(`/v1/breakers/${encodeURIComponent(key)}/reset`)
      .then(breakers.reload, (failure: unknown) =>
        setError(failure instanceof Error ? failure.message : String(failure)),
      );
  };
  return (
    <>
      <PageHeader title="Tools" />
      <h2>Circuit breakers</h2>
      {error && (
        <p className="state error" role="alert">
          {error}
        </p>
      )}
      <Loaded resource={breakers} what="breakers">
        {({ breakers: list }) =>
          list.length === 0 ? (
            <Empty>Every breaker is closed: no tool has failed.</Empty>
          ) : (
            <table className="table">
              <tbody>
                {list.map((b) => (
                  <tr key={b.key}>
                    <td>
                      <code>{b.key}</code>
                    </td>
                    <td>
                      <StatusBadge status={b.status} />
                    </td>
                    <td>{b.consecutiveFailures} failures in a row</td>
                    <td>{b.openUntil ? `probe ${ago(b.openUntil)}` : ''}</td>
                    <td className="error-text">{errorText(b.lastError)}</td>
                    <td>
                      <button
                        type="button"
                        disabled={b.status === 'closed' || !canOperate}
                        title={canOperate ? undefined : NEEDS_OPERATOR}
                        onClick={() => reset(b.key)}
                      >
                        Reset
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
      <h2>Tools and policies</h2>
      <Loaded resource={tools} what="tools">
        {({ tools: list }) =>
          list.length === 0 ? (
            <Empty>No tools registered with this server.</Empty>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Tool</th>
                  <th>Timeout</th>
                  <th>Retries</th>
                  <th>Breaker</th>
                  <th>When exhausted</th>
                  <th>Effects</th>
                </tr>
              </thead>
              <tbody>
                {list.map((t) => (
                  <tr key={t.name}>
                    <td>
                      <strong>{t.name}</strong> <span className="muted">{t.version}</span>
                      <div className="muted">{t.description}</div>
                    </td>
                    <td>{duration(t.policy.timeoutMs)}</td>
                    <td>
                      {t.policy.retry.attempts} × from {duration(t.policy.retry.initialDelayMs)} (×
                      {t.policy.retry.factor})
                    </td>
                    <td>
                      {t.policy.circuitBreaker
                        ? `opens after ${t.policy.circuitBreaker.failureThreshold}, ${duration(t.policy.circuitBreaker.cooldownMs)}`
                        : 'none'}
                    </td>
                    <td>
                      {t.policy.onExhausted}
                      {t.policy.escalateTo ? ` → ${t.policy.escalateTo}` : ''}
                    </td>
                    <td>{t.policy.effects}</td>
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
