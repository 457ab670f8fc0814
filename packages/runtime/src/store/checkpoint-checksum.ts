import { sha256 } from '../core/checksum.js';
import type { StepWrite } from './checkpoint-store.js';

/** Checksums written since attempts were covered carry this prefix; older rows verify as before. */
const V2 = 'v2:';

/**
 * The checksum stored with a step row, over what replay relies on: its identity, status,
 * payloads, policy detail and attempt count (a failed step's error reports its attempts; a
 * retrying step counts on from them). Timestamps and wake-up times are left out: they are
 * bookkeeping, not results.
 *
 * The step's recorded `input` is left out: replay never reads it (a tool's arguments are
 * recomputed by the workflow code on every execution), so damage to it cannot change a result,
 * and counting it would re-run or escalate a step over text that only the step panel shows.
 * It is written once and later rows of the step do not repeat it, so no write could re-hash it.
 */
export function stepChecksum(
  step: Pick<StepWrite, 'seq' | 'name' | 'kind' | 'status' | 'attempts'>,
  output: string | null,
  error: string | null,
  detail: string | null = null,
): string {
  return `${V2}${sha256(`${baseText(step, output, error)}\u0000${step.attempts}\u0000${detail ?? ''}`)}`;
}

/**
 * Whether a stored row matches its checksum, in the format it was written in: `v2:` covers
 * attempts; a row written before that (no prefix) is checked over what its checksum covered,
 * and a row without detail hashes as it did before the detail column existed.
 */
export function stepRowMatches(
  step: Pick<StepWrite, 'seq' | 'name' | 'kind' | 'status' | 'attempts'>,
  output: string | null,
  error: string | null,
  detail: string | null,
  checksum: string,
): boolean {
  if (checksum.startsWith(V2)) return stepChecksum(step, output, error, detail) === checksum;
  const text = baseText(step, output, error);
  return sha256(detail === null ? text : `${text}\u0000${detail}`) === checksum;
}

function baseText(
  step: Pick<StepWrite, 'seq' | 'name' | 'kind' | 'status'>,
  output: string | null,
  error: string | null,
) {
  return `${step.seq}\u0000${step.kind}\u0000${step.name}\u0000${step.status}\u0000${output ?? ''}\u0000${error ?? ''}`;
}
