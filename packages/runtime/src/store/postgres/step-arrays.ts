import { stepChecksum } from '../checkpoint-checksum.js';
import type { StepWrite } from '../checkpoint-store.js';

/**
 * Step rows as parallel arrays, so one statement writes any number of them:
 * `unnest($n::int[], …)`. `first` is the placeholder number of the first array.
 */
export function stepArrays(steps: readonly StepWrite[], first: number): { sql: string; params: unknown[] } {
  const errors = steps.map((s) => (s.error === null ? null : JSON.stringify(s.error)));
  const params = [
    steps.map((s) => s.seq),
    steps.map((s) => s.name),
    steps.map((s) => s.kind),
    steps.map((s) => s.status),
    steps.map((s) => s.attempts),
    steps.map((s) => s.output),
    errors,
    steps.map((s, i) => stepChecksum(s, s.output, errors[i] ?? null)),
    steps.map((s) => s.wakeAt),
    steps.map((s) => s.startedAt),
    steps.map((s) => s.endedAt),
  ];
  const types = ['int', 'text', 'text', 'text', 'int', 'text', 'text', 'text', 'bigint', 'bigint', 'bigint'];
  const arrays = types.map((type, i) => `$${first + i}::${type}[]`).join(', ');
  return { sql: `unnest(${arrays})`, params };
}

/**
 * An upsert of `steps` for run `$1`, done only when the CTE named `guard` returned a row: the
 * fence and the write are one statement, so a refused fence writes nothing.
 */
export function upsertStepsSql(rows: string, guard: string): string {
  return `INSERT INTO steps (run_id, seq, name, kind, status, attempts, output, error, checksum, wake_at, started_at, ended_at)
    SELECT $1, s.* FROM ${rows} AS s(seq, name, kind, status, attempts, output, error, checksum, wake_at, started_at, ended_at)
    WHERE EXISTS (SELECT 1 FROM ${guard})
    ON CONFLICT (run_id, seq) DO UPDATE SET name = excluded.name, kind = excluded.kind, status = excluded.status,
      attempts = excluded.attempts, output = excluded.output, error = excluded.error, checksum = excluded.checksum,
      wake_at = excluded.wake_at, started_at = excluded.started_at, ended_at = excluded.ended_at`;
}
