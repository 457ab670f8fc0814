import { sha256 } from '../core/checksum.js';
import type { StepWrite } from './checkpoint-store.js';

/**
 * The checksum stored with a step row, over what replay relies on: its identity, status and
 * payloads. Attempts and timestamps are left out; they are bookkeeping, not results.
 */
export function stepChecksum(
  step: Pick<StepWrite, 'seq' | 'name' | 'kind' | 'status'>,
  output: string | null,
  error: string | null,
): string {
  return sha256(
    `${step.seq}\u0000${step.kind}\u0000${step.name}\u0000${step.status}\u0000${output ?? ''}\u0000${error ?? ''}`,
  );
}
