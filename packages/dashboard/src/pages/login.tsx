import { useState, type FormEvent } from 'react';

/** Paste an API key (`vigil dev` prints one; `vigil keys create` makes more). */
export function LoginPage(props: { onLogin: (key: string) => Promise<void>; initialError?: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(props.initialError ?? null);
  const [busy, setBusy] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    props.onLogin(key).then(
      () => setBusy(false),
      (failure: unknown) => {
        setBusy(false);
        setError(failure instanceof Error ? failure.message : String(failure));
      },
    );
  };
  return (
    <div className="login">
      <form onSubmit={submit} className="card">
        <h1>Vigil</h1>
        <p className="muted">
          Paste an API key. <code>vigil dev</code> prints one at start; <code>vigil keys create --role viewer</code>{' '}
          makes more. It is kept in this tab only.
        </p>
        <label>
          API key
          <input
            name="apiKey"
            type="password"
            autoComplete="off"
            placeholder="vgl_…"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            autoFocus
          />
        </label>
        {error && (
          <div className="state error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
      </form>
    </div>
  );
}
