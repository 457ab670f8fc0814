import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// `gc` is visible to contexts created after the flag is set.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'major' | 'minor' }) => void;

/**
 * Two scavenges (V8's young-generation collections), so that whatever survives both is in old
 * space, as it is when a long-lived object has been alive for a while.
 */
export function scavengeTwice(): void {
  gc({ type: 'minor' });
  gc({ type: 'minor' });
}

/** Bytes used in V8's old space. Only a mark-compact frees garbage there. */
export function oldSpaceUsed(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')!.space_used_size;
}
