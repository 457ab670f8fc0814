// The targets, as ratios between systems measured in the same run. They are reported,
// met or not, never asserted: figures on a shared machine are for reading, not for failing a build.
import type { SystemName } from './adapter.js';
import type { PeerProcessResult } from './peer-process.js';

export const PEERS: SystemName[] = ['dbos', 'langgraph', 'pg-boss'];

export interface Comparison {
  label: string;
  /** The measured ratio. */
  ratio: number;
  /** The target, for display: `≥ 15×`, `≤ 0.25×`, `< 1×`, or `–` when reported only. */
  target: string;
  met: boolean | null;
}

export type Medians = Partial<Record<SystemName, PeerProcessResult>>;

const at = (medians: Medians, system: SystemName): PeerProcessResult | undefined => medians[system];

/** The peer with the smallest value of `figure` (the best peer for overhead and memory). */
function bestPeer(medians: Medians, figure: (r: PeerProcessResult) => number): PeerProcessResult | undefined {
  const peers = PEERS.map((p) => at(medians, p)).filter((r): r is PeerProcessResult => r !== undefined);
  return peers.sort((a, b) => figure(a) - figure(b))[0];
}

export function compare(medians: Medians): Comparison[] {
  const out: Comparison[] = [];
  const throughput = (vigil: SystemName, peer: SystemName, minimum: number | null): void => {
    const v = at(medians, vigil);
    const p = at(medians, peer);
    if (!v || !p) return;
    const ratio = v.workflowsPerSec / p.workflowsPerSec;
    out.push({
      label: `Throughput at concurrency 16: ${vigil} / ${peer}`,
      ratio,
      target: minimum === null ? '–' : `≥ ${minimum}×`,
      met: minimum === null ? null : ratio >= minimum,
    });
  };
  throughput('vigil-sqlite', 'dbos', 15);
  throughput('vigil-sqlite', 'langgraph', 10);
  throughput('vigil-sqlite', 'pg-boss', null);
  throughput('vigil-postgres', 'dbos', 10);
  throughput('vigil-postgres', 'pg-boss', null);
  for (const vigil of ['vigil-sqlite', 'vigil-postgres'] as const) {
    const v = at(medians, vigil);
    const overheadPeer = bestPeer(medians, (r) => r.overheadMsPerStep);
    const memoryPeer = bestPeer(medians, (r) => r.rssDeltaMb);
    const targeted = vigil === 'vigil-sqlite';
    if (v && overheadPeer) {
      const ratio = v.overheadMsPerStep / overheadPeer.overheadMsPerStep;
      out.push({
        label: `Per-step overhead: ${vigil} / best peer (${overheadPeer.system})`,
        ratio,
        target: targeted ? '≤ 0.25×' : '–',
        met: targeted ? ratio <= 0.25 : null,
      });
    }
    if (v && memoryPeer) {
      const ratio = v.rssDeltaMb / memoryPeer.rssDeltaMb;
      out.push({
        label: `Memory (RSS added): ${vigil} / least of the peers (${memoryPeer.system})`,
        ratio,
        target: targeted ? '< 1×' : '–',
        met: targeted ? ratio < 1 : null,
      });
    }
  }
  return out;
}
