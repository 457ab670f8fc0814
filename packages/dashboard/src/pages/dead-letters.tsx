import { useState } from 'react';

import { useResource } from '../api/use-resource';
import type { DeadLetterView } from '../api/views';
import { ago, errorText, shortId } from '../components/format';
import { PageHeader } from '../components/layout';
import { Empty, Loaded } from '../components/states';
import { Link } from '../router';
import { NEEDS_OPERATOR, useCanOperate, useSession } from '../session';

/**
 * What a dead letter is grouped under: the step it failed at and its error message, with ids
 * and numbers blanked out so "order 17 failed" and "order 18 failed" land together. (Grouping by
 * the error code alone would put every failed step under `step_failed`.)
 */
function groupOf(letter: DeadLetterView): string {
  const message = (letter.error?.message ?? letter.reason)
    .replace(/[0-9a-f]{8}-[0-9a-f-]{27,}/gi, '…')
    .replace(/\d+/g, '#');
  return letter.failedStep ? `${letter.failedStep.name}: ${message}` : message;
}

/** Runs that failed for good, grouped by error, each replayable (from its last good checkpoint). */
export function DeadLettersPage() {
  const { api } = useSession();
  const canOperate = useCanOperate();
  const letters = useResource(
    (signal) => api.get<{ deadLetters: DeadLetterView[] }>('/v1/dead-letters', { limit: 500 }, signal),
    [api],
  );
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const replay = async (ids: string[]) => {
    let done = 0;
    const failures: string[] = [];
    for (const id of ids) {
      try {
        await api.post(`/v1/dead-letters/${encodeURIComponent(id)}/replay`, {});
        done += 1;
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    setMessage({
      text: `Replayed ${done}${failures.length ? `; ${failures.length} failed: ${failures[0]}` : ''}`,
      error: failures.length > 0,
    });
    letters.reload();
  };
  return (
    <>
      <PageHeader title="Dead letters" />
      {message && (
        <p className={message.error ? 'state error' : 'notice'} role="status">
          {message.text}
        </p>
      )}
      <Loaded resource={letters} what="dead letters">
        {({ deadLetters }) => {
          if (deadLetters.length === 0) return <Empty>No dead letters waiting for a replay.</Empty>;
          const groups = new Map<string, DeadLetterView[]>();
          for (const letter of deadLetters)
            groups.set(groupOf(letter), [...(groups.get(groupOf(letter)) ?? []), letter]);
          return [...groups].map(([group, members]) => (
            <section key={group} className="card group" data-testid="dead-letter-group">
              <header>
                <h2>
                  <code>{group}</code> <span className="muted">× {members.length}</span>
                </h2>
                <button
                  type="button"
                  disabled={!canOperate}
                  title={canOperate ? undefined : NEEDS_OPERATOR}
                  onClick={() => void replay(members.map((m) => m.id))}
                >
                  Replay all {members.length}
                </button>
              </header>
              <table className="table">
                <tbody>
                  {members.map((letter) => (
                    <tr key={letter.id} data-testid="dead-letter">
                      <td>
                        <Link to={`/runs/${letter.runId}`}>{shortId(letter.runId)}</Link>
                      </td>
                      <td>{letter.workflow}</td>
                      <td>{letter.failedStep ? `at ${letter.failedStep.name}` : '—'}</td>
                      <td className="error-text">{errorText(letter.error) || letter.reason}</td>
                      <td>{ago(letter.createdAt)}</td>
                      <td>
                        <button
                          type="button"
                          disabled={!canOperate}
                          title={canOperate ? undefined : NEEDS_OPERATOR}
                          onClick={() => void replay([letter.id])}
                        >
                          Replay
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ));
        }}
      </Loaded>
    </>
  );
}
