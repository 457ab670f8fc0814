import { useMemo, useState, type FormEvent } from 'react';

import { ApiError } from '../api/client';
import { useResource } from '../api/use-resource';
import { navigate } from '../router';
import { NEEDS_TRIGGER, useCanTrigger, useSession } from '../session';
import { exampleOf, type JsonSchema } from './json-schema-example';

interface WorkflowInfo {
  name: string;
  version: number;
  description: string | null;
  inputSchema: JsonSchema | null;
}

/** What went wrong with a start, shown beside the input: the API's message and the field it names. */
interface Failure {
  message: string;
  path: string | null;
}

/**
 * The Runs page's "Start run" form: a workflow from `GET /v1/workflows`, its input as JSON
 * (prefilled from the workflow's input schema), an optional idempotency key; `POST /v1/runs`.
 * A refusal (`422 input_invalid` naming `input.<field>`, a malformed JSON text, a 409 for a key
 * reused with another input) is shown next to the input and keeps what was typed; a started run
 * opens its page. Disabled, with the reason, for a key whose role cannot trigger.
 */
export function StartRunForm(props: { onClose: () => void }) {
  const { api } = useSession();
  const canTrigger = useCanTrigger();
  const workflows = useResource((signal) => api.get<{ workflows: WorkflowInfo[] }>('/v1/workflows', {}, signal), [api]);
  const list = useMemo(() => workflows.data?.workflows ?? [], [workflows.data]);
  const [name, setName] = useState('');
  const [input, setInput] = useState('');
  const [key, setKey] = useState('');
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = list.find((w) => w.name === name);

  const choose = (next: string) => {
    setName(next);
    setFailure(null);
    const workflow = list.find((w) => w.name === next);
    // Prefill only over an empty or untouched input: never throw away what someone typed.
    if (workflow && (input.trim() === '' || input === prefill(list.find((w) => w.name === name)))) {
      setInput(prefill(workflow));
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    let parsed: unknown = {};
    if (input.trim() !== '') {
      try {
        parsed = JSON.parse(input) as unknown;
      } catch (error) {
        setFailure({ message: `The input is not JSON: ${(error as Error).message}`, path: 'input' });
        return;
      }
    }
    setBusy(true);
    try {
      const started = await api.post<{ id: string }>(
        '/v1/runs',
        { workflow: name, input: parsed },
        key.trim() === '' ? {} : { 'idempotency-key': key.trim() },
      );
      navigate(`/runs/${started.id}`);
    } catch (error) {
      setFailure(
        error instanceof ApiError
          ? { message: error.message, path: error.path }
          : { message: String(error), path: null },
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card start-run" aria-label="Start run" onSubmit={(e) => void submit(e)}>
      <h2>Start a run</h2>
      {!canTrigger && <p className="notice">{NEEDS_TRIGGER}.</p>}
      <label>
        Workflow
        <select
          aria-label="Workflow to start"
          value={name}
          onChange={(e) => choose(e.target.value)}
          disabled={!canTrigger}
          required
        >
          <option value="">choose a workflow…</option>
          {list.map((w) => (
            <option key={w.name} value={w.name}>
              {w.name} (v{w.version})
            </option>
          ))}
        </select>
      </label>
      {chosen?.description && <p className="muted">{chosen.description}</p>}
      <label>
        Input (JSON)
        <textarea
          aria-label="Run input"
          rows={8}
          spellCheck={false}
          value={input}
          onChange={(e) => setInput(e.target.value)}
          disabled={!canTrigger}
          aria-invalid={failure !== null}
          aria-describedby={failure ? 'start-run-error' : undefined}
        />
      </label>
      {failure && (
        <p id="start-run-error" className="state error" role="alert" data-testid="start-run-error">
          {failure.path && <code className="error-path">{failure.path}</code>} {failure.message}
        </p>
      )}
      <label>
        Idempotency key <span className="muted">(optional: the same key starts one run)</span>
        <input
          aria-label="Idempotency key"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          disabled={!canTrigger}
        />
      </label>
      <div className="actions">
        <button
          type="submit"
          disabled={!canTrigger || busy || name === ''}
          title={canTrigger ? undefined : NEEDS_TRIGGER}
        >
          {busy ? 'Starting…' : 'Start'}
        </button>
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </form>
  );
}

function prefill(workflow: WorkflowInfo | undefined): string {
  if (!workflow?.inputSchema) return '';
  return JSON.stringify(exampleOf(workflow.inputSchema), null, 2);
}
