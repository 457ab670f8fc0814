import { useResource } from '../api/use-resource';
import { useSession } from '../session';

/** What `GET /v1/audit/verify` answers. */
export interface AuditVerification {
  ok: boolean;
  entries: number;
  firstBadSeq?: number;
  damage?: string;
  reason?: string;
  lastSeq?: number | null;
  headChecked: boolean;
}

/**
 * The audit trail's verification status: the whole chain checked by the server on demand
 * (`GET /v1/audit/verify`, a pass over every entry), with the first bad entry when it is broken.
 */
export function AuditStatus() {
  const { api } = useSession();
  const verification = useResource((signal) => api.get<AuditVerification>('/v1/audit/verify', {}, signal), [api]);
  const busy = verification.state === 'loading';
  const report = verification.data;
  return (
    <div
      className={`card audit-status ${report ? (report.ok ? 'ok' : 'broken') : ''}`}
      data-testid="audit-verification"
      role="status"
    >
      {verification.state === 'error' ? (
        <span className="error-text">Could not verify the trail: {verification.error.message}</span>
      ) : verification.state === 'unavailable' ? (
        <span className="muted">
          This server does not verify over HTTP: run <code>vigil audit verify</code> on the database.
        </span>
      ) : report === null ? (
        <span className="muted">Verifying the chain…</span>
      ) : report.ok ? (
        <span>
          <strong>Chain verified:</strong> {report.entries} entries intact
          {report.headChecked
            ? ', and the trail still reaches its signed head.'
            : '. No signed head was checked, so entries cut off the end would go unnoticed.'}
        </span>
      ) : (
        <span className="error-text">
          <strong>Chain broken at entry {report.firstBadSeq}</strong> ({report.damage}): {report.reason}.{' '}
          {report.entries} entries before it verify.
        </span>
      )}
      <button type="button" disabled={busy} onClick={verification.reload}>
        {busy ? 'Verifying…' : 'Verify again'}
      </button>
    </div>
  );
}
