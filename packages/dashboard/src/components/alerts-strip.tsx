import { useResource } from '../api/use-resource';
import { ago } from './format';
import { useSession } from '../session';

/** An alert as `GET /v1/alerts` lists it; read field by field, since servers add fields over time. */
interface AlertView {
  id?: string;
  rule?: string;
  name?: string;
  status?: string;
  state?: string;
  message?: string;
  summary?: string;
  firedAt?: string;
  since?: string;
}

/**
 * The alerts firing now, above the overview; nothing when none fire, and a quiet note when the
 * server has no alerts route yet.
 */
export function AlertsStrip() {
  const { api } = useSession();
  const alerts = useResource((signal) => api.get<{ alerts: AlertView[] }>('/v1/alerts', {}, signal), [api], 15_000);
  if (alerts.state === 'unavailable') return <p className="muted">Alerts are not available on this server yet.</p>;
  if (alerts.data === null) return null;
  const firing = alerts.data.alerts.filter((a) => (a.status ?? a.state ?? 'firing') === 'firing');
  if (firing.length === 0) return <p className="muted">No alerts firing.</p>;
  return (
    <div className="alerts" role="alert" data-testid="alerts">
      {firing.map((a, i) => (
        <div key={a.id ?? i} className="state error">
          <strong>{a.rule ?? a.name ?? 'alert'}</strong> {a.message ?? a.summary ?? ''}{' '}
          <span className="muted">since {ago(a.firedAt ?? a.since)}</span>
        </div>
      ))}
    </div>
  );
}
