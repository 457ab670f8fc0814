import { useState } from 'react';

import type { EscalationView } from '../api/views';
import { NEEDS_OPERATOR, useCanOperate, useSession } from '../session';

/** The decisions the API takes for each kind of escalation (see `POST /v1/escalations/:id/resolve`). */
function decisionsFor(kind: string): string[] {
  return kind === 'approval' ? ['approve', 'reject', 'abort'] : ['retry', 'skip', 'provide', 'abort'];
}

/**
 * Resolves one open escalation: a button per decision its kind allows, a note for the audit
 * trail, and for `provide` the value (JSON) the step returns instead.
 */
export function ResolveEscalation(props: { escalation: EscalationView; onResolved: () => void }) {
  const { api } = useSession();
  const [note, setNote] = useState('');
  const [value, setValue] = useState('');
  const [providing, setProviding] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { escalation } = props;
  const canOperate = useCanOperate();

  const resolve = (decision: string) => {
    let body: Record<string, unknown> = { decision, ...(note.trim() ? { note: note.trim() } : {}) };
    if (decision === 'provide') {
      try {
        body = { ...body, value: JSON.parse(value) as unknown };
      } catch {
        setError('The value must be JSON, e.g. {"eligible": true} or "text" in quotes');
        return;
      }
    }
    setBusy(true);
    setError(null);
    api.post(`/v1/escalations/${encodeURIComponent(escalation.id)}/resolve`, body).then(
      () => {
        setBusy(false);
        props.onResolved();
      },
      (failure: unknown) => {
        setBusy(false);
        setError(failure instanceof Error ? failure.message : String(failure));
      },
    );
  };

  return (
    <div className="resolve">
      <input
        aria-label="Note"
        placeholder="Note for the audit trail (optional)"
        value={note}
        onChange={(e) => setNote(e.target.value)}
      />
      {providing && (
        <textarea
          aria-label="Value"
          placeholder='The step result as JSON, e.g. {"eligible": true}'
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
      )}
      <div className="buttons">
        {decisionsFor(escalation.kind).map((decision) => (
          <button
            key={decision}
            type="button"
            disabled={busy || !canOperate}
            title={canOperate ? undefined : NEEDS_OPERATOR}
            className={
              decision === 'abort' || decision === 'reject' ? 'danger' : decision === 'approve' ? 'primary' : ''
            }
            onClick={() => (decision === 'provide' && !providing ? setProviding(true) : resolve(decision))}
          >
            {decision === 'provide' && providing ? 'Provide this value' : decision}
          </button>
        ))}
      </div>
      {error && (
        <div className="state error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
