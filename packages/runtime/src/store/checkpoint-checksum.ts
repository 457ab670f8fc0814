import { sha256 } from '../core/checksum.js';
import type { StepWrite } from './checkpoint-store.js';

/**
 * The checksum stored with a step row, over what replay relies on: its identity, status,
 * payloads and policy detail. Attempts and timestamps are left out; they are bookkeeping, not
 * results. A row without detail hashes as it did before the detail column existed.
 *
 * The step's recorded `input` is left out too: replay never reads it (a tool's arguments are
 * recomputed by the workflow code on every execution), so damage to it cannot change a result,
 * and counting it would re-run or escalate a step over text that only the step panel shows.
 * It is written once and later rows of the step do not repeat it, so no write could re-hash it.
 */
export function stepChecksum(
  step: Pick<StepWrite, 'seq' | 'name' | 'kind' | 'status'>,
  output: string | null,
  error: string | null,
  detail: string | null = null,
): string {
  const text = `${step.seq}\u0000${step.kind}\u0000${step.name}\u0000${step.status}\u0000${output ?? ''}\u0000${error ?? ''}`;
  return sha256(detail === null ? text : `${text}\u0000${detail}`);
}
