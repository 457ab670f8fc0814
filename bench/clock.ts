// Timestamps that compare across processes: epoch milliseconds with sub-millisecond precision.
import { performance } from 'node:perf_hooks';

export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

export { performance };
